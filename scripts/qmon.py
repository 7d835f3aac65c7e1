#!/usr/bin/env python3
"""Look at a guest whose console went silent, through QEMU's monitor.

usage: qmon.py SOCKET SYSTEM_MAP CONSOLE_LOG

SOCKET is the unix socket of QEMU's human monitor (vm.sh boots every guest
with one), SYSTEM_MAP the guest kernel's System.map (the guest kernels have
no KASLR), CONSOLE_LOG the serial console's file. Prints a report:
- whether the guest's clock runs (jiffies_64 read twice, 2 s apart),
- where each vCPU is (RIP and the kernel symbol it falls in),
- the state of COM1, the console's 16550 (IER at 0x3f9, LSR at 0x3fd; the
  LSR read clears its receive error bits, which the console's output does
  not depend on) and the IOAPIC (info pic),
- then a kick: IER written with THRI (the transmit interrupt) off, then
  on. If the transmitter is empty, the 16550 lowers its interrupt line and
  raises it again: a new edge at the IOAPIC, should the last one have been
  lost; a driver with nothing to send takes the interrupt and turns THRI
  off again. Then whether the console file grows within 10 s.
QMON_WAIT=S waits S seconds instead of 10 (and S/5 between the jiffies).
The last line is one of 'qmon: console resumed after the kick', 'qmon:
console still silent after the kick', or (exit 2) 'qmon: no monitor' or
'qmon: the monitor stopped answering' (QEMU itself stuck).
"""
import bisect
import os
import re
import socket
import sys
import time

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|\x1b[()][A-Za-z0-9]")
UART_IER, UART_LSR = 0x3f9, 0x3fd
IER_THRI = 0x02


class Monitor:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.settimeout(10)
        self.s.connect(path)
        self.read_prompt()

    def read_prompt(self):
        buf = b""
        while not buf.endswith(b"(qemu) "):
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("monitor closed")
            buf += chunk
        return buf.decode(errors="replace")

    def cmd(self, line):
        self.s.sendall(line.encode() + b"\n")
        out = ANSI.sub("", self.read_prompt()).replace("\r", "")
        lines = out.split("\n")
        # The monitor echoes the command and ends with a new prompt.
        body = [l for l in lines[1:] if l != "(qemu) "]
        return "\n".join(body).strip("\n")


def symbols(path):
    syms = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for l in f:
            p = l.split()
            if len(p) >= 3 and p[1] in "tTwW":
                syms.append((int(p[0], 16), p[2]))
    syms.sort()
    return syms


def symbolize(syms, addr):
    lo = bisect.bisect_right(syms, (addr, chr(0x10ffff)))
    if lo == 0 or addr < 0xffffffff80000000:
        return "user space" if addr < 0x800000000000 else "?"
    a, name = syms[lo - 1]
    return f"{name}+{addr - a:#x}"


def port(mon, addr):
    out = mon.cmd(f"i /b {addr:#x}")
    m = re.search(r"=\s*(0x[0-9a-f]+)", out)
    return int(m.group(1), 16) if m else None


def main():
    try:
        return report(*sys.argv[1:4])
    except (OSError, EOFError) as e:
        print(f"qmon: the monitor stopped answering ({e!r})")
        return 2


def report(sock, sysmap, console):
    wait = float(os.environ.get("QMON_WAIT", "10"))
    try:
        mon = Monitor(sock)
    except (OSError, EOFError) as e:
        print(f"qmon: no monitor ({e})")
        return 2
    jaddr = None
    with open(sysmap, encoding="utf-8", errors="replace") as f:
        for l in f:
            p = l.split()
            if len(p) >= 3 and p[2] == "jiffies_64":
                jaddr = int(p[0], 16)
    print("qmon:", mon.cmd("info status"))
    if jaddr:
        j = []
        for _ in range(2):
            out = mon.cmd(f"x /1gx {jaddr:#x}")
            m = re.search(r":\s*(0x[0-9a-f]+)", out)
            j.append(int(m.group(1), 16) if m else None)
            time.sleep(wait / 5)
        if None in j:
            print(f"qmon: jiffies_64 not readable: {j}")
        else:
            print(f"qmon: jiffies_64 {j[0]} then {j[1]} {wait / 5:g} s later: the guest's clock "
                  + ("runs" if j[1] > j[0] else "stands still"))
    syms = symbols(sysmap)
    regs = mon.cmd("info registers -a")
    for cpu, rip in re.findall(r"CPU#(\d+).*?RIP=([0-9a-f]+)", regs, re.S):
        print(f"qmon: vCPU {cpu} at RIP {rip} ({symbolize(syms, int(rip, 16))})")
    ier, lsr = port(mon, UART_IER), port(mon, UART_LSR)
    if ier is None or lsr is None:
        print(f"qmon: COM1 not readable (IER {ier}, LSR {lsr})")
    else:
        print(f"qmon: COM1 IER {ier:#04x} (transmit interrupt "
              f"{'enabled' if ier & IER_THRI else 'disabled'}), LSR {lsr:#04x} "
              f"(transmitter {'empty' if lsr & 0x20 else 'busy'})")
    for l in mon.cmd("info pic").splitlines():
        if re.search(r"pin\s+4\b|ioapic0|IRR|ISR", l):
            print(f"qmon: {l.strip()}")
    size = os.path.getsize(console)
    if ier is not None:
        mon.cmd(f"o /b {UART_IER:#x} {ier & ~IER_THRI:#x}")
        mon.cmd(f"o /b {UART_IER:#x} {ier | IER_THRI:#x}")
    time.sleep(wait)
    grown = os.path.getsize(console) - size
    if grown > 0:
        print(f"qmon: console resumed after the kick ({grown} bytes in {wait:g} s)")
    else:
        print("qmon: console still silent after the kick")
    return 0


if __name__ == "__main__":
    sys.exit(main())
