/*
 * legacy: a single-phase-init extension module written the old way (PyModule_Create, m_size -1, state in C statics),
 * as most extension modules in the wild still are. CPython refuses it in an isolated subinterpreter; a worker process
 * runs it in its main interpreter. Built by the tests with gcc against the headers of the CPython the host loads
 * (tests/PluginHost.Host.Tests/Isolation/SinglePhasePlugin.cs).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Module-level C state: one per process, which is what makes the module unsafe to share between interpreters. */
static long counter;
static char *hoard;
static size_t hoarded;
/* Read through volatile, so the compiler cannot see the null and turn the store into a trap instruction. */
static int *volatile nowhere;

static PyObject *increment(PyObject *self, PyObject *unused)
{
    return PyLong_FromLong(++counter);
}

static PyObject *get(PyObject *self, PyObject *unused)
{
    return PyLong_FromLong(counter);
}

/* A native crash: a store through a null pointer (SIGSEGV). */
static PyObject *segfault(PyObject *self, PyObject *unused)
{
    *nowhere = 42;
    Py_RETURN_NONE;
}

/* What the kernel's OOM killer does to a process: SIGKILL, which nothing can catch. */
static PyObject *sigkill(PyObject *self, PyObject *unused)
{
    raise(SIGKILL);
    Py_RETURN_NONE;
}

/* Blocks in C for the given seconds while holding the GIL (no Py_BEGIN_ALLOW_THREADS): no interrupt reaches it. */
static PyObject *block(PyObject *self, PyObject *arg)
{
    double seconds = PyFloat_AsDouble(arg);
    if (seconds == -1.0 && PyErr_Occurred())
        return NULL;
    struct timespec now, end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    end.tv_sec += (time_t)seconds;
    end.tv_nsec += (long)((seconds - (double)(time_t)seconds) * 1e9);
    if (end.tv_nsec >= 1000000000L) {
        end.tv_sec += 1;
        end.tv_nsec -= 1000000000L;
    }
    do {
        struct timespec step = {0, 10 * 1000 * 1000};
        nanosleep(&step, NULL);   /* a signal cuts one step short; the deadline stands */
        clock_gettime(CLOCK_MONOTONIC, &now);
    } while (now.tv_sec < end.tv_sec || (now.tv_sec == end.tv_sec && now.tv_nsec < end.tv_nsec));
    Py_RETURN_NONE;
}

/* Grows a malloc'd block (which CPython's allocators never see) by the given MiB, touching every page so that it is
   resident; returns the MiB held. */
static PyObject *hold(PyObject *self, PyObject *arg)
{
    long mib = PyLong_AsLong(arg);
    if (mib == -1 && PyErr_Occurred())
        return NULL;
    if (mib < 0)
        return PyErr_Format(PyExc_ValueError, "cannot hold %ld MiB", mib);
    size_t more = (size_t)mib << 20;
    char *grown = realloc(hoard, hoarded + more);
    if (grown == NULL)
        return PyErr_NoMemory();
    long page = sysconf(_SC_PAGESIZE);
    for (size_t at = hoarded; at < hoarded + more; at += (size_t)page)
        grown[at] = 1;
    hoard = grown;
    hoarded += more;
    return PyLong_FromSize_t(hoarded >> 20);
}

static PyMethodDef methods[] = {
    {"increment", increment, METH_NOARGS, "Adds one to the process's counter and returns it."},
    {"get", get, METH_NOARGS, "The process's counter."},
    {"segfault", segfault, METH_NOARGS, "Crashes the process with SIGSEGV."},
    {"sigkill", sigkill, METH_NOARGS, "Kills the process with SIGKILL, as the kernel's OOM killer does."},
    {"block", block, METH_O, "Blocks in C for the given seconds, holding the GIL."},
    {"hold", hold, METH_O, "Holds the given MiB more of malloc'd, touched memory; returns the MiB held."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "legacy", "A single-phase-init module with C static state (a test fixture).", -1, methods,
};

PyMODINIT_FUNC PyInit_legacy(void)
{
    return PyModule_Create(&module);
}
