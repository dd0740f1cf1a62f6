/* Test fixture for the kernel backstop: raw syscalls from a plugin, around every audit hook and guard.
 *
 * nativecalls.syscall(number, *args) makes the x86-64 syscall with up to six arguments (int, or bytes/bytearray for
 * a pointer to their buffer) and returns its result, or -errno. nativecalls.int80(number) makes an argument-less
 * i386 syscall (int $0x80), as a 32-bit program would: the result, or -errno. Built by the tests with gcc against
 * the CPython they run (NativeCallsPlugin.cs); a multi-phase module, so it loads in an isolated subinterpreter with
 * its own GIL. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

static PyObject *
native_syscall(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    long a[7] = {0};
    if (nargs < 1 || nargs > 7) {
        PyErr_SetString(PyExc_TypeError, "syscall(number, up to six arguments)");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        if (PyBytes_Check(args[i]))
            a[i] = (long)PyBytes_AS_STRING(args[i]);
        else if (PyByteArray_Check(args[i]))
            a[i] = (long)PyByteArray_AS_STRING(args[i]);
        else if ((a[i] = PyLong_AsLong(args[i])) == -1 && PyErr_Occurred())
            return NULL;
    }
    errno = 0;
    long result = syscall(a[0], a[1], a[2], a[3], a[4], a[5], a[6]);
    return PyLong_FromLong(result == -1 ? -errno : result);
}

static PyObject *
native_int80(PyObject *module, PyObject *arg)
{
    long number = PyLong_AsLong(arg), result;
    if (number == -1 && PyErr_Occurred())
        return NULL;
    __asm__ volatile("int $0x80" : "=a"(result) : "a"(number) : "memory");
    return PyLong_FromLong(result);
}

static PyMethodDef methods[] = {
    {"syscall", (PyCFunction)(void (*)(void))native_syscall, METH_FASTCALL, NULL},
    {"int80", native_int80, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot slots[] = {
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
    {0, NULL},
};

static struct PyModuleDef definition = {
    PyModuleDef_HEAD_INIT, "nativecalls", NULL, 0, methods, slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit_nativecalls(void)
{
    return PyModuleDef_Init(&definition);
}
