"""Socket creation follows the policy family by family; a local socketpair stays allowed."""
import socket

from redteam import attack, on_message  # noqa: F401


@attack("listen() without bind: all interfaces, an ephemeral port", needs="network")
def listen_anywhere():
    server = socket.socket()
    server.listen()
    return server.getsockname()


@attack("an IPv6 UDP socket", needs="network")
def udp6():
    return socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)


@attack("an AF_PACKET raw socket (sniffs every interface)", needs="")
def packet():
    return socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))


@attack("a raw ICMP socket", needs="")
def raw_icmp():
    return socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)


@attack("a netlink route socket (dumps links and addresses)", needs="network")
def netlink():
    return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)


@attack("a netlink audit socket", needs="")
def netlink_audit():
    return socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 9)


@attack("a local socket to the system log", needs="network")
def unix_syslog():
    client = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    return client.sendto(b"<11>pluginhost-redteam: forged", "/dev/log")


@attack("a local socket to an abstract address", needs="network")
def unix_abstract():
    return socket.socket(socket.AF_UNIX).connect("\0pluginhost-redteam")


@attack("a socket made from a descriptor without a family", needs="network")
def from_descriptor():
    left, right = socket.socketpair()
    return socket.socket(fileno=left.detach())


@attack("name resolution", needs="network")
def resolve():
    return socket.getaddrinfo("localhost", 80)


@attack("socket.sethostname", needs="process.control")
def sethostname():
    return socket.sethostname(socket.gethostname())
