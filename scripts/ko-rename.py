#!/usr/bin/env python3
"""Copy a kernel module (.ko) under another module name of the same length.

usage: ko-rename.py IN.ko OUT.ko OLDNAME NEWNAME

The module loader takes a module's name from two places: the name field of
struct module in the section .gnu.linkonce.this_module (mod->name, what
symbol resolution and the namespace checks use) and the "name=" entry of
.modinfo (info->name, used in early messages and the blacklist). Both are
replaced, and nothing else; each must occur exactly once, or the script
fails. A 64-bit little-endian ELF file is expected (x86_64).
"""
import struct
import sys


def sections(data):
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        sys.exit("not a 64-bit little-endian ELF file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3a)

    def shdr(i):
        # sh_name, sh_type, sh_flags, sh_addr, sh_offset, sh_size
        return struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize)

    stroff = shdr(shstrndx)[4]
    out = {}
    for i in range(shnum):
        name_off, _, _, _, off, size = shdr(i)
        end = data.index(b"\0", stroff + name_off)
        out[data[stroff + name_off:end].decode()] = (off, size)
    return out


def replace_once(data, sec, where, old, new):
    off, size = sec
    body = bytes(data[off:off + size])
    n = body.count(old)
    if n != 1:
        sys.exit(f"{where}: {old!r} found {n} times, expected once")
    i = body.index(old)
    data[off + i:off + i + len(new)] = new


def main():
    src, dst, old, new = sys.argv[1:5]
    if len(old) != len(new) or old == new:
        sys.exit("the new name must differ and have the length of the old one")
    data = bytearray(open(src, "rb").read())
    secs = sections(data)
    for s in (".gnu.linkonce.this_module", ".modinfo"):
        if s not in secs:
            sys.exit(f"{src}: no section {s}")
    # struct module's name is a NUL-padded char array.
    replace_once(data, secs[".gnu.linkonce.this_module"],
                 ".gnu.linkonce.this_module", old.encode() + b"\0",
                 new.encode() + b"\0")
    # .modinfo entries are NUL-terminated strings, one after the other.
    modinfo = secs[".modinfo"]
    if data[modinfo[0]:modinfo[0] + 5 + len(old) + 1] == \
            b"name=" + old.encode() + b"\0":
        # the first entry: there is no NUL in front of it to match on
        data[modinfo[0] + 5:modinfo[0] + 5 + len(new)] = new.encode()
        body = bytes(data[modinfo[0]:modinfo[0] + modinfo[1]])
        if (b"\0name=" + old.encode() + b"\0") in body:
            sys.exit(".modinfo: more than one name= entry")
    else:
        replace_once(data, modinfo, ".modinfo",
                     b"\0name=" + old.encode() + b"\0",
                     b"\0name=" + new.encode() + b"\0")
    open(dst, "wb").write(data)


if __name__ == "__main__":
    main()
