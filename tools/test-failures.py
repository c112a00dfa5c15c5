#!/usr/bin/env python3
"""Prints what each failed test said, briefly, from ctest's Testing/Temporary/LastTest.log.

`make test` calls it when ctest fails, so the reasons stand at the end of the output: a CI log
cut short in the middle (as CI does with long output) still shows why each test failed.

usage: test-failures.py LastTest.log [max lines per test]"""
import re
import sys

LOG_LINE = re.compile(r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")  # spdlog lines of the test process


def failed_tests(text):
    """(name, verdict, output lines) of every test in the log that did not pass."""
    # Each test: "N/M Testing: NAME", its command, "Output:", a rule, the output, "<end of
    # output>", the time, a rule, then "Test Passed." or "Test Failed." (also for a timeout).
    tests = re.finditer(r"^\d+/\d+ Testing: (.+?)\n.*?^Output:\n-+\n(.*?)^<end of output>\n"
                        r".*?^-+\n(.*?)\n", text, flags=re.M | re.S)
    # A skipped test passes with "Test Pass Reason:" and why.
    return [(m.group(1), m.group(3), m.group(2).splitlines())
            for m in tests if not m.group(3).startswith("Test Pass")]


def digest(lines, limit):
    """From the first gtest failure on (or the end, if there is none), without log lines."""
    lines = [l for l in lines if not LOG_LINE.match(l)]
    start = next((i for i, l in enumerate(lines)
                  if "Failure" in l or "exception" in l or "terminate" in l), None)
    if start is None:
        return lines[-limit:]
    picked = lines[start:start + limit]
    return picked + ["  [...]"] if len(lines) - start > limit else picked


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    limit = int(sys.argv[2]) if len(sys.argv) > 2 else 80
    try:
        text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    except OSError as e:
        sys.exit(f"test-failures: cannot read {sys.argv[1]}: {e}")
    failed = failed_tests(text)
    if not failed:
        return
    print(f"\n==== why {len(failed)} test(s) failed (from {sys.argv[1]}) ====")
    for name, verdict, lines in failed:
        print(f"\n---- {name}: {verdict or 'no verdict'}")
        for line in digest(lines, limit):
            print("  " + line)


if __name__ == "__main__":
    main()
