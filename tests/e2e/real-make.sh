#!/bin/bash
# real-make.sh: `make -j2` building a small C project (Debian's make and gcc, unmodified), dumped
# in the middle of its build, with compilers running and make's jobserver pipe in use, and
# restored in the foreground: make must finish with status 0, and what it built must be what
# the same build gives when nothing stops it (the same object files, byte for byte, and the same
# output of the program), built first, without cryo, in another directory.
#
# With CRYO_SKIP=1 there is no dump nor restore.
source "$(dirname "$0")/lib.sh"

units=16

# make_project DIR: the sources (each unit slow enough to compile that the build lasts) and the
# Makefile.
make_project() {
	mkdir -p "$1"
	/usr/bin/python3 - "$1" "$units" <<'EOF'
import sys
d, units = sys.argv[1], int(sys.argv[2])
for u in range(units):
    with open(f"{d}/unit{u}.c", "w") as f:
        for i in range(200):
            f.write(f"static unsigned f{i}(unsigned x) {{ for (unsigned k = 0; k < {(i + u) % 7 + 3}; k++) "
                    f"x = x * {2 * i + 3}u + ((x >> {i % 13 + 1}) ^ {i * 7919 + u}u); return x; }}\n")
        f.write(f"unsigned unit{u}(unsigned x)\n{{\n")
        f.write("".join(f"\tx = f{i}(x);\n" for i in range(200)))
        f.write("\treturn x;\n}\n")
with open(f"{d}/main.c", "w") as f:
    f.write("#include <stdio.h>\n")
    f.write("".join(f"unsigned unit{u}(unsigned x);\n" for u in range(units)))
    f.write("int main(void)\n{\n\tunsigned x = 1;\n\n")
    f.write("".join(f"\tx = unit{u}(x);\n" for u in range(units)))
    f.write('\tprintf("%u\\n", x);\n\treturn 0;\n}\n')
with open(f"{d}/Makefile", "w") as f:
    f.write("OBJS = main.o " + " ".join(f"unit{u}.o" for u in range(units)) + "\n")
    f.write("prog: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n")
    f.write("%.o: %.c\n\t$(CC) -O2 -c $< -o $@\n")
EOF
}

objects_built() {
	find "$1" -name '*.o' | wc -l
}

# The compilers (cc1) of the gcc drivers make $1 runs.
compilers_of() {
	local driver
	for driver in $(pgrep -P "$1"); do
		pgrep -P "$driver" -x cc1
	done
}

# Until some objects are built, not all, and a compiler runs under make $1.
mid_build() {
	local built
	built=$(objects_built "$proj")
	((built >= 2 && built < units)) && [[ -n $(compilers_of "$1") ]]
}

ref=$tmp/ref proj=$tmp/proj out=$tmp/make.out
make_project "$ref"
make_project "$proj"
log "building the reference without cryo"
make -s -C "$ref" -j2 >/dev/null || fail "the reference build failed"
want=$("$ref/prog")

start "$out" make -C "$proj" -j2
wait_until 120 "make $pid to be in the middle of its build" mid_build "$pid"
[[ -e $proj/prog ]] && fail "the build ended before the dump: make the units slower"
log "dumping make in the middle: $(objects_built "$proj") of $((units + 1)) objects built," \
	"compilers:" $(compilers_of "$pid")
cryo_dump "$pid" "$tmp/img"
wait_dumped_gone "$pid"
restore_foreground "$tmp/img"
((child_status == 0)) || fail "make exited with $child_status after the restore; its output:
$(cat "$out")"
for o in "$ref"/*.o; do
	cmp -s "$o" "$proj/${o##*/}" || fail "${o##*/} differs from the reference build's"
done
got=$("$proj/prog") || fail "the program built after the restore failed"
[[ $got == "$want" ]] || fail "the program built after the restore printed '$got', want '$want'"
log "make finished after the restore; its $((units + 1)) objects and program are the reference's"
