"""Read a JUnit XML report with junitparser and print what it contains as JSON.

Used by tests/junit_consumers.rs as a JUnit reader independent of gatecheck and quick-junit.
Prints the counts the report declares in its attributes, the counts of the test cases it
actually contains, and each test case in document order.

Exits with status 3 when junitparser is not installed, so the caller can say how to install it.
"""

import json
import sys

try:
    from junitparser import Error, Failure, JUnitXml, Skipped, TestSuite
except ImportError as error:
    print(f"junitparser is not importable: {error}", file=sys.stderr)
    sys.exit(3)


def case_result(case):
    """Return passed, failed, error or skipped, with the message of the first result."""
    for result in case.result:
        if isinstance(result, Failure):
            return "failed", result.message
        if isinstance(result, Error):
            return "error", result.message
        if isinstance(result, Skipped):
            return "skipped", result.message
    return "passed", None


def main(path):
    xml = JUnitXml.fromfile(path)
    # A file whose root is a single <testsuite> parses as that suite.
    suites = [xml] if isinstance(xml, TestSuite) else list(xml)

    declared = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    counted = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    counter_of = {"failed": "failures", "error": "errors", "skipped": "skipped"}
    cases = []
    for suite in suites:
        for key in declared:
            declared[key] += getattr(suite, key) or 0
        for case in suite:
            outcome, message = case_result(case)
            counted["tests"] += 1
            if outcome in counter_of:
                counted[counter_of[outcome]] += 1
            cases.append(
                {
                    "suite": suite.name,
                    "classname": case.classname,
                    "name": case.name,
                    "outcome": outcome,
                    "message": message,
                    "skip_reason": message if outcome == "skipped" else None,
                }
            )

    json.dump({"declared": declared, "counted": counted, "cases": cases}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
