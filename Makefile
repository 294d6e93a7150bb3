# mz - pipeable tools for animal behaviour analysis.  See README.md.
.POSIX:
.SUFFIXES:

VERSION  = 0.1.0
PREFIX   = /usr/local
DESTDIR  =
B        = build
CC       = cc
CFLAGS   = -O2 -g
LDFLAGS  =
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
PYTHON   = $$(scripts/find-python)

MZCFLAGS = -std=c17 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
	-D_DEFAULT_SOURCE -Ilib -Itools -fPIC
MZLIBS   = -lzstd -lxxhash -lcjson -lm -lpthread

# Every tool: tools/NAME.c, man/man1/NAME.1, tests/cli/NAME.t.
TOOLS = mz-cat mz-convert mz-info mz-head mz-select mz-filter mz-paste mz-outliers \
	mz-smooth mz-align mz-features mz-pca mz-arhmm mz-syllables mz-eval mz-split \
	mz-simulate mz-labels mz-dataset mz-index mz-ls mz-probe mz-frames \
	mz-gridmovie mz-overlay

LIBSRC = lib/err.c lib/types.c lib/header.c lib/reader.c lib/writer.c \
	lib/shuffle.c lib/util.c lib/prefetch.c
LIBOBJ = $(LIBSRC:%.c=$(B)/%.o)
LIBHDR = lib/mz.h lib/internal.h
UNITS  = $(patsubst tests/unit/%.c,$(B)/tests/%,$(wildcard tests/unit/*.c))
BINS   = $(TOOLS:%=$(B)/bin/%)

all: $(B)/libmz.a $(B)/libmz.so.0 $(BINS)

$(B)/lib/%.o: lib/%.c $(LIBHDR)
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/tools/common.o: tools/common.c tools/common.h lib/mz.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) -c -o $@ $<

$(B)/libmz.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(B)/libmz.so.0: $(LIBOBJ)
	$(CC) -shared -Wl,-soname,libmz.so.0 $(CFLAGS) $(LDFLAGS) -o $@ \
		$(LIBOBJ) $(MZLIBS)

# Per-tool libraries.
LAPACK_LIBS = -llapacke -lopenblas
HDF5_CFLAGS = $$(pkg-config --cflags hdf5)
HDF5_LIBS   = $$(pkg-config --libs hdf5)
LIBS_mz-pca = $(LAPACK_LIBS)
LIBS_mz-arhmm = $(LAPACK_LIBS)
LIBS_mz-simulate = $(LAPACK_LIBS)
CFLAGS_mz-syllables = $(HDF5_CFLAGS)
LIBS_mz-syllables = $(HDF5_LIBS)
CFLAGS_mz-convert = $(HDF5_CFLAGS)
LIBS_mz-convert = $(HDF5_LIBS) -lzip -ldl -lyaml

# Video: lib/video.c (probing, exact frame access), lib/videnc.c (PNG and
# MP4 encoding), tools/draw.c (keypoints, skeletons, digits on frames); FFmpeg's libraries, never the ffmpeg program.
VIDEO_LIBS = -lavformat -lavcodec -lswscale -lavutil
$(B)/lib/video.o: lib/video.c lib/mz_video.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) -c -o $@ lib/video.c
$(B)/lib/videnc.o: lib/videnc.c lib/mz_videnc.h lib/mz_video.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) -c -o $@ lib/videnc.c
OBJS_mz-probe = $(B)/lib/video.o
LIBS_mz-probe = $(VIDEO_LIBS)
LIBS_mz-frames = $(VIDEO_LIBS) -lyaml
$(B)/tools/draw.o: tools/draw.c tools/draw.h lib/mz_video.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) -c -o $@ tools/draw.c
# tools/posevid.c: what mz-gridmovie and mz-overlay share besides drawing.
$(B)/tools/posevid.o: tools/posevid.c tools/posevid.h tools/draw.h \
		tools/common.h lib/mz.h lib/mz_videnc.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) -c -o $@ tools/posevid.c
OBJS_mz-gridmovie = $(B)/lib/video.o $(B)/lib/videnc.o $(B)/tools/draw.o \
	$(B)/tools/posevid.o
LIBS_mz-gridmovie = $(VIDEO_LIBS)
OBJS_mz-overlay = $(B)/lib/video.o $(B)/lib/videnc.o $(B)/tools/draw.o \
	$(B)/tools/posevid.o
LIBS_mz-overlay = $(VIDEO_LIBS)
OBJS_mz-frames = $(B)/lib/video.o $(B)/lib/videnc.o $(B)/tools/dataset.o

# The dataset (manifest, index.csv files, safe names): tools/dataset.c.
$(B)/tools/dataset.o: tools/dataset.c tools/dataset.h tools/common.h lib/mz.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) -c -o $@ tools/dataset.c
DATASET_OBJ = $(patsubst tools/%.c,$(B)/tools/%.o,$(wildcard tools/dataset.c))
OBJS_mz-dataset = $(B)/tools/dataset.o
LIBS_mz-dataset = -lyaml -lavutil
OBJS_mz-index = $(B)/tools/dataset.o $(B)/lib/video.o
LIBS_mz-index = -lyaml $(VIDEO_LIBS)
OBJS_mz-ls = $(B)/tools/dataset.o
LIBS_mz-ls = -lyaml
OBJS_mz-labels = $(B)/tools/dataset.o
LIBS_mz-labels = -lyaml

# A tool too big for one file keeps its other sources in tools/<tool>/.
OBJS_mz-convert = $(patsubst %.c,$(B)/%.o,$(wildcard tools/mz-convert/*.c)) \
	$(DATASET_OBJ)
# Keep the objects make would otherwise delete as intermediates.
.SECONDARY: $(patsubst %.c,$(B)/%.o,$(wildcard tools/mz-convert/*.c))

$(B)/tools/mz-convert/%.o: tools/mz-convert/%.c tools/mz-convert/*.h \
		tools/common.h lib/mz.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS_mz-convert) $(CFLAGS) -c -o $@ $<

# One rule builds every tool; per-tool flags go in CFLAGS_<tool>,
# libraries in LIBS_<tool>, extra objects in OBJS_<tool>.
.SECONDEXPANSION:
$(B)/bin/%: tools/%.c $$(OBJS_$$*) $(B)/tools/common.o $(B)/libmz.a \
		tools/common.h lib/mz.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS_$*) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(OBJS_$*) $(B)/tools/common.o $(B)/libmz.a $(LIBS_$*) \
		$(MZLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/tap.h $(B)/libmz.a lib/mz.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(B)/libmz.a $(MZLIBS)

$(B)/tests/tools/%: tests/tools/%.c $(B)/libmz.a lib/mz.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libmz.a $(MZLIBS)

TESTTOOLS = $(B)/tests/tools/mzgen $(B)/tests/tools/mzread \
	$(B)/tests/tools/arhmm-sim \
	$(B)/tests/tools/h5dump-set \
	$(patsubst tests/tools/%.c,$(B)/tests/tools/%,$(wildcard tests/tools/mkvideo.c tests/tools/vcheck.c tests/tools/mkh5.c))

# mkvideo writes test videos (lib/videnc.c); mkh5 writes sample HDF5 files.
$(B)/tests/tools/mkvideo: tests/tools/mkvideo.c $(B)/lib/video.o \
		$(B)/lib/videnc.o lib/mz_video.h lib/mz_videnc.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/lib/video.o \
		$(B)/lib/videnc.o $(VIDEO_LIBS) $(MZLIBS)
$(B)/tests/tools/vcheck: tests/tools/vcheck.c $(B)/lib/video.o \
		$(B)/lib/videnc.o lib/mz_video.h lib/mz_videnc.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/lib/video.o \
		$(B)/lib/videnc.o $(VIDEO_LIBS) $(MZLIBS)
$(B)/tests/tools/mkh5: tests/tools/mkh5.c
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS_mz-convert) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(HDF5_LIBS) $(MZLIBS)

# h5dump-set prints what mz-convert's HDF5 readers make of a file.
H5SET_OBJS = $(patsubst %,$(B)/tools/mz-convert/%.o,conv dlc_h5 sleap nwb \
	h5util pickle)
$(B)/tests/tools/h5dump-set: tests/tools/h5dump-set.c $(H5SET_OBJS) \
		$(B)/libmz.a lib/mz.h tools/mz-convert/conv.h \
		tools/mz-convert/pickle.h
	@mkdir -p $(@D)
	$(CC) $(MZCFLAGS) $(CFLAGS_mz-convert) $(CFLAGS) $(LDFLAGS) -o $@ $< \
		$(H5SET_OBJS) $(B)/libmz.a $(HDF5_LIBS) $(MZLIBS)

tests: all $(UNITS) $(TESTTOOLS)

deps:
	scripts/install-deps.sh

# The README's test command: dependencies, build, every test.
check: deps
	$(MAKE) tests
	MZ_BUILD=$(B) prove --exec '' -j2 $(UNITS) tests/cli/*.t

check-asan: deps
	$(MAKE) B=build-asan CC=clang CFLAGS="-O1 -g $(SANFLAGS)" \
		LDFLAGS="$(SANFLAGS)" tests
	MZ_BUILD=build-asan ASAN_OPTIONS=detect_leaks=1 \
		MZ_TEST_CC=clang MZ_TEST_FLAGS="$(SANFLAGS)" \
		UBSAN_OPTIONS=print_stacktrace=1 prove --exec '' -j2 \
		$(patsubst $(B)/%,build-asan/%,$(UNITS)) tests/cli/*.t

# The README's demo: dependencies, build, the main pipeline on simulated
# data, a summary.
demo: deps
	$(MAKE) all
	MZ_BUILD=$(B) scripts/demo.sh

FUZZTIME = 60
fuzz: deps
	scripts/fuzz.sh $(FUZZTIME)

# bench.sh: the stream (cat, zstd, csv, memory) and PCA; then each
# tool family against the Python code users would otherwise run.
bench: tests
	MZ_BUILD=$(B) scripts/bench.sh
	MZ_BUILD=$(B) scripts/bench-filters.sh
	MZ_BUILD=$(B) scripts/bench-features.sh
	scripts/bench-arhmm.sh $(B)
	scripts/bench-convert.sh $(B)
	MZ_BUILD=$(B) scripts/bench-video.sh

lint:
	mandoc -Tlint -Wwarning man/man1/*.1 man/man5/*.5 man/man7/*.7

install: all
	mkdir -p $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man7 \
		$(DESTDIR)$(PREFIX)/share/mz/python
	cp $(BINS) $(DESTDIR)$(PREFIX)/bin/
	cp $(B)/libmz.a $(B)/libmz.so.0 $(DESTDIR)$(PREFIX)/lib/
	ln -sf libmz.so.0 $(DESTDIR)$(PREFIX)/lib/libmz.so
	cp lib/mz.h $(DESTDIR)$(PREFIX)/include/
	cp man/man1/*.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	cp man/man5/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	cp man/man7/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	cp share/python/mzs.py $(DESTDIR)$(PREFIX)/share/mz/python/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' \
		lib/libmz.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/libmz.pc

clean:
	rm -rf build build-asan build-fuzz

.PHONY: all tests deps check check-asan demo fuzz bench lint install clean
