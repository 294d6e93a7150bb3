#!/bin/sh
# tests: make install (tools, libmz, header, man pages, libmz.pc) and that a
# program builds against the installed library with pkg-config.
# requires: make, cc, pkg-config.  A sanitizer build (make check-asan)
# passes its compiler and flags in MZ_TEST_CC and MZ_TEST_FLAGS.
. "$(dirname "$0")/lib.sh"

command -v pkg-config >/dev/null 2>&1 || t_skip_all "no pkg-config"
D=$T/dest
t_ok "make install DESTDIR PREFIX" make -s -C "$TOP" B="$B" \
    DESTDIR="$D" PREFIX=/opt/mz install
for f in bin/mz-cat bin/mz-info lib/libmz.a lib/libmz.so.0 include/mz.h \
    share/man/man5/mzs.5 share/man/man7/mz.7 share/man/man1/mz-cat.1 \
    share/mz/python/mzs.py lib/pkgconfig/libmz.pc; do
	if [ -e "$D/opt/mz/$f" ]; then _result 0 "installed $f"
	else _result 1 "installed $f"; fi
done
pc=$(PKG_CONFIG_SYSROOT_DIR=$D PKG_CONFIG_PATH=$D/opt/mz/lib/pkgconfig \
    pkg-config --cflags --libs --static libmz)
t_like "pkg-config names the library" "-lmz" "$pc"

cat > prog.c <<'C'
#include <stdio.h>
#include <mz.h>
int
main(void)
{
	mz_err e;
	mz_writer *w = mz_writer_open("-", NULL, &e);
	mz_header *h = mz_header_new();
	double x[3] = { 1.5, 2.5, 3.5 };
	const void *cols[1] = { x };

	mz_header_add_column(h, "x", MZ_F64, NULL, &e);
	if (w == NULL || mz_writer_begin_part(w, h, &e) < 0 ||
	    mz_writer_append(w, 3, cols, &e) < 0 ||
	    mz_writer_end_part(w, &e) < 0 || mz_writer_close(w, &e) < 0) {
		fprintf(stderr, "%s\n", e.msg);
		return 1;
	}
	mz_header_free(h);
	return 0;
}
C
t_ok "a program compiles and links against the installed libmz" \
    sh -c "${MZ_TEST_CC:-cc} ${MZ_TEST_FLAGS:-} -o prog prog.c $pc"
t_ok "... and writes a stream" sh -c "LD_LIBRARY_PATH=$D/opt/mz/lib ./prog > p.mzs"
t_is "... that mz-cat reads" "$(printf 'x\n1.5\n2.5\n3.5')" \
    "$("$D/opt/mz/bin/mz-cat" --csv p.mzs 2>&1)"
t_done
