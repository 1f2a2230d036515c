#!/usr/bin/env python3
"""A minimal SOCKS5 proxy (no authentication, CONNECT only) on 127.0.0.1, for tests.

Prints the port it listens on, then relays connections until killed. It logs each target it
connects to on stderr, so a test can check that the traffic went through it.
"""
import select
import socket
import struct
import sys
import threading


def relay(client, upstream):
    sockets = [client, upstream]
    while True:
        readable, _, _ = select.select(sockets, [], [], 30)
        if not readable:
            return
        for source in readable:
            data = source.recv(65536)
            if not data:
                return
            (upstream if source is client else client).sendall(data)


def handle(client):
    try:
        version, count = struct.unpack("!BB", client.recv(2))
        client.recv(count)
        client.sendall(b"\x05\x00")
        version, command, _, address_type = struct.unpack("!BBBB", client.recv(4))
        if address_type == 1:
            host = socket.inet_ntoa(client.recv(4))
        elif address_type == 3:
            host = client.recv(client.recv(1)[0]).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, client.recv(16))
        port = struct.unpack("!H", client.recv(2))[0]
        if command != 1 or host not in ("127.0.0.1", "localhost", "::1"):
            client.sendall(b"\x05\x02\x00\x01" + b"\x00" * 6)
            return
        upstream = socket.create_connection((host, port))
        print(f"CONNECT {host}:{port}", file=sys.stderr, flush=True)
        client.sendall(b"\x05\x00\x00\x01" + b"\x00" * 6)
        relay(client, upstream)
        upstream.close()
    except (OSError, struct.error, IndexError):
        pass
    finally:
        client.close()


def main():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        threading.Thread(target=handle, args=(client,), daemon=True).start()


main()
