"""The Java side of the schedule reader: finding a Java runtime and starting the JVM with MPXJ.

MPXJ (https://www.mpxj.org) is a Java library driven from Python through
JPype. The JVM is started once per Python process, on first use, with
logging switched off (MPXJ's Log4j API would otherwise print an error line
on stderr when it finds no logging provider).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import threading
from functools import lru_cache
from pathlib import Path

from ...exceptions import JavaUnavailableError

__all__ = ["MIN_JAVA", "java_available", "java_version", "java_unavailable_reason", "jclass", "require_java",
           "start_jvm"]

#: Smallest Java major version MPXJ 16 runs on.
MIN_JAVA = 11
_INSTALL = ("install a Java runtime >= 11, e.g. `sudo apt-get install default-jre-headless` (Debian/Ubuntu), "
            "`brew install openjdk` (macOS) or Eclipse Temurin from https://adoptium.net, and make `java` "
            "available on PATH or set JAVA_HOME")
#: JVM options: headless; the serial garbage collector (the JVM reads one file at a time on one thread:
#: G1's start-up and its concurrent threads cost a fresh process about 0.5 s on 2 cores for nothing);
#: Log4j's simple logger at level OFF (no "could not find a logging provider" line).
JVM_OPTIONS = (
    "-Djava.awt.headless=true",
    "-XX:+UseSerialGC",
    "-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory",
    "-Dlog4j2.simplelogLevel=OFF",
    "-Dlog4j2.statusLoggerLevel=OFF",
    "-Dlog4j2.level=OFF",
)
_JVM_LOCK = threading.Lock()


def _java_executable() -> str | None:
    try:
        import jpype
        jvm = Path(jpype.getDefaultJVMPath()).resolve()
        for home in jvm.parents:
            cand = home / "bin" / ("java.exe" if os.name == "nt" else "java")
            if cand.is_file():
                return str(cand)
    except Exception:  # noqa: BLE001 - JVMNotFoundException and friends: fall back to PATH
        pass
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def _parse_java_version(text: str) -> int | None:
    m = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not m:
        return None
    major = int(m.group(1))
    return int(m.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


@lru_cache(maxsize=1)
def java_version() -> int | None:
    """Major version of the Java runtime JPype would start (None if none is found)."""
    try:
        import jpype
        if jpype.isJVMStarted():
            from java.lang import System
            return _parse_java_version(f'version "{System.getProperty("java.version")}"')
    except ImportError:
        pass
    exe = _java_executable()
    if exe is None:
        return None
    try:
        res = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return _parse_java_version(res.stderr + res.stdout)


def java_unavailable_reason() -> str | None:
    """Why schedule files cannot be read here (what to install), or None when they can."""
    try:
        import jpype  # noqa: F401
        import mpxj  # noqa: F401
    except ImportError as exc:
        return (f"the MS Project / Primavera reader needs the optional packages mpxj and JPype1 ({exc}): "
                'pip install "pmo_analytics[msproject]"')
    v = java_version()
    if v is None:
        return "no Java runtime found: " + _INSTALL
    if v < MIN_JAVA:
        return f"Java {v} found, MPXJ needs Java >= {MIN_JAVA}: " + _INSTALL
    return None


def java_available() -> bool:
    """True when MS Project / Primavera files can be read: ``mpxj`` + ``JPype1`` installed and Java >= 11."""
    return java_unavailable_reason() is None


def require_java() -> None:
    """Raise :class:`JavaUnavailableError` (saying how to install what is missing) unless Java is usable."""
    why = java_unavailable_reason()
    if why:
        raise JavaUnavailableError(why)


def start_jvm() -> None:
    """Start the JVM with MPXJ on the class path, once per process (a no-op afterwards)."""
    require_java()
    import jpype
    import mpxj  # noqa: F401 - adds the MPXJ jars to JPype's class path

    with _JVM_LOCK:
        if not jpype.isJVMStarted():
            jpype.startJVM(*JVM_OPTIONS, convertStrings=False)


@lru_cache(maxsize=None)
def jclass(name: str):
    """The Java class ``name`` (e.g. ``"org.mpxj.TaskField"``), starting the JVM if needed.

    ``jpype.JClass`` by its full name, cached: 5-10x faster than JPype's
    import hook (``from org.mpxj import TaskField`` scans the Java package on
    first use, about 30 ms per statement in a fresh process).
    """
    start_jvm()
    import jpype
    return jpype.JClass(name)
