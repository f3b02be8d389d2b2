"""Writes a large, valid WAT module that runs as a WAGI handler ("big module" on stdout) and
whose native compile takes long: many functions of long arithmetic chains. For the tests of
what happens while native code compiles.

Usage: python3 big_wat.py OUT.wat [FUNCTIONS] [OPS_PER_FUNCTION]
"""
import random
import sys

out = sys.argv[1]
functions = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
ops = int(sys.argv[3]) if len(sys.argv) > 3 else 300
rng = random.Random(functions * 7919 + ops)
text = b"Content-Type: text/plain\n\nbig module\n"
with open(out, "w") as f:
    f.write('(module\n')
    f.write('  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))\n')
    f.write('  (memory (export "memory") 1)\n')
    f.write('  (data (i32.const 64) "%s")\n' % "".join("\\%02x" % b for b in text))
    for i in range(functions):
        f.write('  (func $f%d (param $a i32) (param $b i32) (result i32) (local $c i32)\n' % i)
        f.write('    local.get $a\n')
        for j in range(ops):
            op = rng.choice(["i32.add", "i32.mul", "i32.xor", "i32.sub", "i32.rotl"])
            f.write('    local.get $b i32.const %d i32.add %s local.tee $c local.get $c i32.const %d i32.shr_u i32.xor\n'
                    % (rng.randrange(1 << 20), op, rng.randrange(1, 31)))
        if i + 1 < functions:
            f.write('    local.get $b local.get $a call $f%d i32.add\n' % (i + 1))
        f.write('  )\n')
    f.write('  (func (export "_start")\n')
    f.write('    i32.const 0 i32.const 64 i32.store\n')
    f.write('    i32.const 4 i32.const %d i32.store\n' % len(text))
    f.write('    i32.const 1 i32.const 0 i32.const 1 i32.const 8 call $fd_write drop)\n')
    f.write('  (func (export "unused") (result i32) i32.const 1 i32.const 2 call $f0)\n')
    f.write(')\n')
