"""Interface ioctls work on any socket, and a local AF_UNIX socket needs no grant.

The policy asks for 'network' to read the routing and link tables through netlink; the SIOCGIF* ioctls read the same
tables, and the SIOCSIF* ones change them (as root: flags, addresses, MTU — the machine's network). Harmless if they
escape: the flags are set on an interface that does not exist.
"""
import array
import fcntl
import socket
import struct

from redteam import attack, on_message  # noqa: F401

SIOCGIFCONF, SIOCSIFFLAGS, SIOCGIFHWADDR = 0x8912, 0x8914, 0x8927
IFREQ = "16sh14x"


def local_socket():
    return socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)


@attack("ioctl SIOCGIFCONF: every interface and its address", needs="network")
def interfaces_and_addresses():
    records = array.array("B", bytes(40 * 32))   # struct ifreq is 40 bytes; struct ifconf is (int, char *)
    with local_socket() as sock:
        request = struct.pack("iP", len(records), records.buffer_info()[0])
        length, _ = struct.unpack("iP", fcntl.ioctl(sock.fileno(), SIOCGIFCONF, request))
    return [bytes(records[i:i + 16]).rstrip(b"\0").decode() for i in range(0, length, 40)]


@attack("ioctl SIOCGIFHWADDR: the loopback interface's hardware address", needs="network")
def hardware_address():
    with local_socket() as sock:
        return fcntl.ioctl(sock.fileno(), SIOCGIFHWADDR, struct.pack("16s16x", b"lo"))[18:24].hex(":")


@attack("ioctl SIOCSIFFLAGS (on an interface name no interface has: ENODEV means the kernel was asked)", needs="native-code")
def set_interface_flags():
    with local_socket() as sock:
        return fcntl.ioctl(sock.fileno(), SIOCSIFFLAGS, struct.pack(IFREQ, b"pluginhost-rt0", 0))


@attack("socket.if_nameindex (netlink inside libc)", needs="network")
def names():
    return socket.if_nameindex()
