"""An HTTP/1.1 keep-alive test server with injected delays and faults, for edgectl bench's tests.

Paths:
  /delay/MS        answer after MS milliseconds (a 2-byte body "ok")
  /mix             every 10th request (by arrival) after 50 ms, the others after 10 ms
  /close           close the connection without answering
  /hang            never answer (the client times out)
  /count           the number of requests received so far on the other paths (text)
Options:
  --stall-at S --stall-for D   hold every response that would be sent between S and S+D
                               seconds after the first request until S+D (a server stall)
Prints "port N" on stdout once listening on 127.0.0.1. Stops on SIGTERM or after --lifetime.
"""
import argparse
import asyncio
import signal
import sys
import time

received = 0
first = None


async def handle(reader, writer, args):
    global received, first
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                if line.lower().startswith("content-length:"):
                    length = int(line.split(":", 1)[1])
            if length:
                await reader.readexactly(length)
            if target == "/count":
                body = str(received).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                await writer.drain()
                continue
            received += 1
            now = time.monotonic()
            if first is None:
                first = now
            if target == "/close":
                writer.close()
                return
            if target == "/hang":
                await asyncio.sleep(3600)
                return
            if target.startswith("/delay/"):
                delay = float(target[len("/delay/"):]) / 1000
            elif target == "/mix":
                delay = 0.050 if received % 10 == 0 else 0.010
            else:
                delay = 0
            if delay:
                await asyncio.sleep(delay)
            if args.stall_for:
                start, end = first + args.stall_at, first + args.stall_at + args.stall_for
                t = time.monotonic()
                if start <= t < end:
                    await asyncio.sleep(end - t)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, asyncio.CancelledError):
        pass  # the client left, or the server is stopping
    finally:
        writer.close()


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--stall-at", type=float, default=0)
    p.add_argument("--stall-for", type=float, default=0)
    p.add_argument("--lifetime", type=float, default=120, help="stop after this many seconds")
    args = p.parse_args()
    server = await asyncio.start_server(lambda r, w: handle(r, w, args), "127.0.0.1", 0, backlog=1024)
    print("port", server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await asyncio.wait_for(stop.wait(), args.lifetime)
    except asyncio.TimeoutError:
        pass
    server.close()


if __name__ == "__main__":
    asyncio.run(main())
    sys.exit(0)
