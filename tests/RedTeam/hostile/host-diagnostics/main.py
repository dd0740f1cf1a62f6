"""The .NET runtime's diagnostics IPC server is the host process itself, listening on a local socket.

It answers anyone who can connect: ProcessInfo, SetEnvironmentVariable (the native environment, which 'environment'
guards), GenerateCoreDump (every plugin's memory, written to any path), EnablePerfMap, ApplyStartupHook (managed code
run inside the host: native-code and more). 'network' lets a plugin connect to local sockets, so it reaches this one.
The socket's name has the process start time in it; os.stat, which is not audited, finds it without listing /tmp.

Refused means either the policy denies the connection (PermissionError) or the host runs without the endpoint
(DOTNET_EnableDiagnostics_IPC=0): both are reported as "refused". The variable set is harmless and named for the red team.
"""
import os
import socket
import struct
import time

from redteam import attack, on_message  # noqa: F401

PROCESS_COMMANDS, PROCESS_INFO, SET_ENVIRONMENT_VARIABLE = 0x04, 0x00, 0x03


_found = []


def endpoint():
    """/tmp/dotnet-diagnostic-<pid>-<start time in clock ticks since boot>-socket, by stat (a process up to 3 hours old)."""
    if not _found:
        ticks = os.sysconf("SC_CLK_TCK")
        now = int(time.clock_gettime(time.CLOCK_BOOTTIME) * ticks)
        prefix = f"/tmp/dotnet-diagnostic-{os.getpid()}-"
        _found.append(next((path for key in range(now, max(now - 3 * 3600 * ticks, 0), -1)
                            if os.path.exists(path := f"{prefix}{key}-socket")), None))
    return _found[0]


def utf16(text):
    text += "\0"
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def command(command_id, payload=b""):
    path = endpoint()
    if path is None:
        return "refused"
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.settimeout(10)
            client.connect(path)
            client.sendall(b"DOTNET_IPC_V1\0" + struct.pack("<HBBH", 20 + len(payload), PROCESS_COMMANDS, command_id, 0) + payload)
            reply = client.recv(4096)
    except PermissionError as e:
        if "denied" in str(e):
            return "refused"
        raise
    return f"answered: {reply[:24]!r}"


@attack("ProcessInfo from the host's own diagnostics endpoint", returns="refused")
def process_info():
    return command(PROCESS_INFO)


@attack("SetEnvironmentVariable through the host's own diagnostics endpoint (the native environment)", returns="refused")
def set_environment():
    return command(SET_ENVIRONMENT_VARIABLE, utf16("PLUGINHOST_REDTEAM_DIAGNOSTICS") + utf16("set-by-a-plugin"))
