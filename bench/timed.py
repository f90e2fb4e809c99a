#!/usr/bin/env python3
"""Runs a command once with no stdin and prints "first_byte_ms exit_ms status max_rss_kib": milliseconds from
just before the process is started to the first byte it writes on stdout (-1 if none) and to its exit, its
exit status, and its peak resident set size (from wait4, for this process alone). Its output is discarded.
    bench/timed.py CMD [ARG ...]
"""
import os
import subprocess
import sys
import time


def main() -> None:
    start = time.monotonic()
    proc = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL)
    first_byte = -1.0
    if proc.stdout.read(1):
        first_byte = (time.monotonic() - start) * 1000
    while proc.stdout.read(65536):
        pass
    _, wait_status, usage = os.wait4(proc.pid, 0)
    end = (time.monotonic() - start) * 1000
    proc.returncode = os.waitstatus_to_exitcode(wait_status)
    print(f"{first_byte:.1f} {end:.1f} {proc.returncode} {usage.ru_maxrss}")


if __name__ == "__main__":
    main()
