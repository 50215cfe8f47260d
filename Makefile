# conch: Linux container building blocks.
.SUFFIXES:
.SECONDARY:

VERSION = 0.1.0

PREFIX = /usr/local
BINDIR = $(PREFIX)/bin
# The static builds conch runs its chains with, and carries into
# containers (see conch(1)).
LIBEXECDIR = $(PREFIX)/libexec/conch
CARRIED = cgmake rlimit cgput nsjoin nsnew pivot capset confine scfilter conch
MANDIR = $(PREFIX)/share/man
BASHCOMPDIR = $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR = $(PREFIX)/share/zsh/vendor-completions
DESTDIR =

CC = cc
CFLAGS ?= -O2 -g
CPPFLAGS =
LDFLAGS =

# The project's own flags come after the user's, never instead of them.
CONCH_CPPFLAGS = -D_GNU_SOURCE -DCONCH_VERSION='"$(VERSION)"' -Ilib
CONCH_CFLAGS = -std=c11 -Wall -Wextra -MMD -MP

# Each tool links only what it uses.
LDLIBS_capset = -lcap
LDLIBS_scfilter = -lseccomp -ljansson
# mkrootfs: SHA-256 of image blobs (nettle), gzip and zstd layers (zlib,
# libzstd: in-process, so a blob is hashed and inflated in one pass), the
# image's JSON (jansson).
LDLIBS_mkrootfs = -lnettle -lz -lzstd -ljansson
LDLIBS_netmake = -lmnl -lnftables
LDLIBS_conch = -ljansson

# A tool is cmd/NAME.c, or cmd/NAME/*.c when it has subsystems of its own.
TOOLS = $(sort $(basename $(notdir $(wildcard cmd/*.c))) \
	$(notdir $(patsubst %/,%,$(wildcard cmd/*/))))
TOOLSRC = $(foreach t,$(TOOLS),$(or $(wildcard cmd/$(t).c),$(wildcard cmd/$(t)/*.c)))
LIBSRC = $(wildcard lib/*.c)
LIBOBJ = $(LIBSRC:%.c=build/%.o)
BINS = $(TOOLS:%=bin/%)

# The objects of tool NAME (glibc build): OBJ_NAME, and MUSL_OBJ_NAME.
$(foreach t,$(TOOLS),$(eval OBJ_$(t) = $(patsubst %.c,build/%.o,\
	$(or $(wildcard cmd/$(t).c),$(wildcard cmd/$(t)/*.c)))))
$(foreach t,$(TOOLS),$(eval MUSL_OBJ_$(t) = $(OBJ_$(t):build/%=build/musl/%)))

# Debian package each build, test and demo dependency comes from.
DEPS = gcc make libc6-dev libcap-dev libseccomp-dev libjansson-dev \
	shunit2 uidmap util-linux iproute2 procps busybox-static bubblewrap \
	gcc-multilib mandoc zsh bash-completion cpio gzip xz-utils zstd \
	curl libcap-ng-dev \
	passwd kmod groff-base qemu-system-x86 shellcheck hyperfine bash-static \
	musl-tools runc jq python3 libcap2-bin strace clang libclang-rt-14-dev \
	apparmor nettle-dev zlib1g-dev libzstd-dev umoci skopeo time \
	libmnl-dev libnftables-dev nftables passt iperf3 slirp4netns \
	s6 podman containerd crun docker.io

all: $(BINS)

build/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CONCH_CPPFLAGS) $(CPPFLAGS) $(CONCH_CFLAGS) $(CFLAGS) -c -o $@ $<

build/libconch.a: $(LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(LIBOBJ)

.SECONDEXPANSION:
bin/%: $$(OBJ_$$*) build/libconch.a
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $(OBJ_$*) build/libconch.a $(LDLIBS_$*)

# Static, stripped binaries for initramfs and embedded images, in static/.
# STATIC=musl (the default): built with musl-gcc, Debian's libcap.a,
# libseccomp.a and libjansson.a linked in through lib/musl/ (the glibc
# entry points they call, glibc's strerror texts); a tenth of glibc's size
# and of its start-up time, which a chain of five execs pays five times.
# STATIC=glibc: static glibc (no NSS is used). `make clean` to switch.
STATIC = musl
MUSL_CC = musl-gcc
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
SYSLIBDIR = /usr/lib/$(MULTIARCH)
MUSL_INC = build/musl/include
MUSL_LIBOBJ = $(LIBSRC:%.c=build/musl/%.o)

# A tool whose libraries the system has no static archive of cannot be
# linked static: `make static` says so and skips it. netmake is one on
# Debian, which ships libmnl and libnftables as shared objects only (and
# libnftables would pull in libnftnl, libxtables, libgmp and jansson).
static_missing = $(strip $(foreach l,$(patsubst -l%,%,$(LDLIBS_$(1))),\
	$(if $(wildcard $(SYSLIBDIR)/lib$(l).a),,lib$(l).a)))
STATIC_SKIPPED = $(foreach t,$(TOOLS),$(if $(call static_missing,$(t)),$(t)))
STATICS = $(filter-out $(STATIC_SKIPPED:%=static/%),$(TOOLS:%=static/%))

static: $(STATICS)
	@$(foreach t,$(STATIC_SKIPPED),echo "static: $(t) skipped: no \
		$(call static_missing,$(t)) in $(SYSLIBDIR) (only shared \
		libraries); bin/$(t) is the dynamic build" >&2;)

ifeq ($(STATIC),musl)
static/%: $$(MUSL_OBJ_$$*) build/musl/libconch.a build/musl/lib/musl/compat.o
	@mkdir -p $(@D)
	$(MUSL_CC) -static -s $(LDFLAGS) -o $@ $(MUSL_OBJ_$*) build/musl/libconch.a \
		build/musl/lib/musl/compat.o \
		$(patsubst -l%,$(SYSLIBDIR)/lib%.a,$(LDLIBS_$*))
else
static/%: $$(OBJ_$$*) build/libconch.a
	@mkdir -p $(@D)
	$(CC) -static -s $(LDFLAGS) -o $@ $(OBJ_$*) build/libconch.a $(LDLIBS_$*)
endif

# musl's headers, and of the system's only the kernel's and the libraries'.
$(MUSL_INC)/.made: Makefile
	@mkdir -p $(MUSL_INC)/sys
	ln -sfn /usr/include/linux /usr/include/asm-generic $(MUSL_INC)/
	ln -sfn /usr/include/$(MULTIARCH)/asm $(MUSL_INC)/asm
	ln -sfn /usr/include/sys/capability.h $(MUSL_INC)/sys/
	ln -sfn /usr/include/seccomp.h /usr/include/seccomp-syscalls.h \
		/usr/include/jansson.h /usr/include/jansson_config.h \
		/usr/include/nettle /usr/include/zlib.h \
		/usr/include/zconf.h /usr/include/zstd.h \
		/usr/include/zstd_errors.h $(MUSL_INC)/
	@touch $@

build/musl/%.o: %.c $(MUSL_INC)/.made
	@mkdir -p $(@D)
	$(MUSL_CC) -isystem $(MUSL_INC) -include lib/musl/compat.h \
		$(CONCH_CPPFLAGS) $(CPPFLAGS) $(CONCH_CFLAGS) $(CFLAGS) -c -o $@ $<

build/musl/libconch.a: $(MUSL_LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(MUSL_LIBOBJ)

# Installs what is missing, with apt-get; quiet when nothing is.
deps:
	@missing=$$(for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		if [ "$$(id -u)" -ne 0 ]; then \
			echo "run as root: apt-get install" $$missing >&2; exit 1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Programs the suites run inside filters and containers: static, so they
# work in any root; sysprobe makes one raw system call (64- and 32-bit),
# writeprobe tries to open every file of a tree for writing, netprobe
# binds, connects and listens (TCP, abstract sockets) for confine,
# subreaper reaps what a detached child leaves, as conmon does.
TESTPROGS = build/tests/sysprobe build/tests/sysprobe32 build/tests/writeprobe \
	build/tests/netprobe build/tests/subreaper

# Unit tests, tests/unit/NAME_test.c: each links the harness (unit.c),
# the objects it tests, UNIT_OBJ_NAME (a tool's files but its main.c), and
# libconch.a, with UNIT_LDLIBS_NAME. They include tool headers as
# "TOOL/FILE.h" (-Icmd). tests/unit_test.sh runs them under make check.
UNITS = $(patsubst tests/unit/%_test.c,%,$(wildcard tests/unit/*_test.c))
UNITBINS = $(UNITS:%=build/tests/unit/%_test)

testprogs: $(TESTPROGS) $(UNITBINS)
	@tests/helpers/setpriv.sh

build/tests/unit/%.o: CONCH_CPPFLAGS += -Icmd

# mkrootfs: the ELF and tar readers and the loader's search, through
# their own interfaces.
UNIT_OBJ_elf = build/cmd/mkrootfs/elf.o
UNIT_OBJ_ldpath = build/cmd/mkrootfs/ldpath.o build/cmd/mkrootfs/root.o \
	$(UNIT_OBJ_elf)
UNIT_OBJ_tar = $(addprefix build/cmd/mkrootfs/,tar.o input.o decompress.o \
	filter.o digest.o)
UNIT_LDLIBS_tar = -lnettle -lz -lzstd
# The image reader, and layers with their whiteouts, on a scratch root.
UNIT_OBJ_image = $(addprefix build/cmd/mkrootfs/,image.o index.o source.o \
	config.o digest.o unpack.o whiteout.o root.o tar.o input.o \
	decompress.o filter.o)
UNIT_LDLIBS_image = -lnettle -lz -lzstd -ljansson
UNIT_OBJ_whiteout = $(UNIT_OBJ_image)
UNIT_LDLIBS_whiteout = $(UNIT_LDLIBS_image)

# confine: its rules, without its main.c.
UNIT_OBJ_confine = build/cmd/confine/rules.o

build/tests/unit/%_test: build/tests/unit/%_test.o build/tests/unit/unit.o \
		$$(UNIT_OBJ_$$*) build/libconch.a
	$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) build/libconch.a $(UNIT_LDLIBS_$*)

build/tests/sysprobe: tests/helpers/sysprobe.c
	@mkdir -p $(@D)
	$(CC) $(CONCH_CPPFLAGS) $(CPPFLAGS) $(CONCH_CFLAGS) $(CFLAGS) -static -o $@ $<

build/tests/writeprobe: tests/helpers/writeprobe.c
	@mkdir -p $(@D)
	$(CC) $(CONCH_CPPFLAGS) $(CPPFLAGS) $(CONCH_CFLAGS) $(CFLAGS) -static -o $@ $<

build/tests/netprobe: tests/helpers/netprobe.c
	@mkdir -p $(@D)
	$(CC) $(CONCH_CPPFLAGS) $(CPPFLAGS) $(CONCH_CFLAGS) $(CFLAGS) -static -o $@ $<

build/tests/subreaper: tests/helpers/subreaper.c
	@mkdir -p $(@D)
	$(CC) $(CONCH_CPPFLAGS) $(CPPFLAGS) $(CONCH_CFLAGS) $(CFLAGS) -static -o $@ $<

build/tests/sysprobe32: tests/helpers/sysprobe.c
	@mkdir -p $(@D)
	$(CC) $(CONCH_CPPFLAGS) $(CPPFLAGS) $(CONCH_CFLAGS) $(CFLAGS) -m32 -static -o $@ $<

# The README's first command: the demo container (examples/container.sh).
demo: deps all
	examples/container.sh

check: deps all static testprogs
	tests/run

# The same suites against an installed tree (binaries, man pages,
# completions), which uninstall then leaves empty.
installcheck: all static testprogs
	@d=$$(mktemp -d /tmp/conch-install.XXXXXX) && chmod 755 $$d && \
	$(MAKE) -s install DESTDIR=$$d PREFIX=/usr && \
	CONCH_BIN=$$d/usr/bin CONCH_MANDIR=$$d/usr/share/man \
	CONCH_BASHCOMPDIR=$$d/usr/share/bash-completion/completions \
	CONCH_ZSHCOMPDIR=$$d/usr/share/zsh/vendor-completions tests/run; \
	rc=$$?; $(MAKE) -s uninstall DESTDIR=$$d PREFIX=/usr; \
	left=$$(find $$d -type f); rm -rf $$d; \
	if [ -n "$$left" ]; then echo "uninstall left: $$left"; exit 1; fi; \
	exit $$rc

# The suites in the VM, then, with its kernel now cached, the boot of the
# initramfs example (skipped by check, which has no kernel to boot).
check-vm: deps static testprogs
	tests/vm/run
	tests/run tests/initramfs_test.sh

# Fuzzing: libFuzzer harnesses tests/fuzz/NAME.c, built with Debian's
# clang, ASan and UBSan into build/fuzz/bin/NAME, linked with the code
# they test, FUZZ_OBJ_NAME (build/fuzz/ objects of its sources), and the
# library; exit() is wrapped so that die() returns to the harness.
# `make fuzz` runs each for FUZZ_SECONDS from its seed corpus.
FUZZ_CC = clang
FUZZ_SECONDS = 60
FUZZ_FLAGS = -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZERS = $(patsubst tests/fuzz/%.c,%,$(filter-out tests/fuzz/fuzz.c,\
	$(wildcard tests/fuzz/*.c)))
FUZZBINS = $(FUZZERS:%=build/fuzz/bin/%)
FUZZ_LIBOBJ = $(LIBSRC:%.c=build/fuzz/%.o)

fuzz: deps $(FUZZBINS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run

build/fuzz/%.o: %.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CONCH_CPPFLAGS) -Icmd -Itests/fuzz -std=c11 -Wall -Wextra \
		-MMD -MP $(FUZZ_FLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# mkrootfs: the tar reader with unpacking, the ELF reader, the image's
# JSON.
FUZZ_OBJ_tar = $(addprefix build/fuzz/cmd/mkrootfs/,tar.o input.o \
	decompress.o filter.o digest.o unpack.o whiteout.o root.o)
FUZZ_LDLIBS_tar = -lnettle -lz -lzstd
FUZZ_OBJ_elf = build/fuzz/cmd/mkrootfs/elf.o
# mkrootfs --image: the choice of the image, its manifest and config.
FUZZ_OBJ_index = $(addprefix build/fuzz/cmd/mkrootfs/,image.o index.o \
	source.o config.o digest.o unpack.o whiteout.o root.o tar.o input.o \
	decompress.o filter.o)
FUZZ_LDLIBS_index = -lnettle -lz -lzstd -ljansson

# confine: its rules reader.
FUZZ_OBJ_confine_rules = build/fuzz/cmd/confine/rules.o

build/fuzz/libconch.a: $(FUZZ_LIBOBJ)
	rm -f $@
	$(AR) rcs $@ $(FUZZ_LIBOBJ)

build/fuzz/bin/%: build/fuzz/tests/fuzz/%.o build/fuzz/tests/fuzz/fuzz.o \
		$$(FUZZ_OBJ_$$*) build/fuzz/libconch.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -Wl,--wrap=exit -o $@ \
		$(filter %.o,$^) build/fuzz/libconch.a $(FUZZ_LDLIBS_$*)

# cgmake: its settings parser (FILE=VALUE), unit-tested and fuzzed.
UNIT_OBJ_cgsettings = build/cmd/cgmake/settings.o build/cmd/cgmake/devices.o
FUZZ_OBJ_cgsettings = build/fuzz/cmd/cgmake/settings.o build/fuzz/cmd/cgmake/devices.o

# scfilter: its unit tests (the BPF compiler, the profile readers) and the
# fuzz harnesses of its readers link its files but main.c; those of the
# compiler also the BPF interpreter and the oracle they share
# (tests/unit/bpfvm.c, scmodel.c).
SCFILTER_PARTS = names rules text runc json filter bpf
SCFILTER_ORACLE = tests/unit/bpfvm.o tests/unit/scmodel.o
UNIT_OBJ_scfilter_bpf = $(SCFILTER_PARTS:%=build/cmd/scfilter/%.o) \
	$(SCFILTER_ORACLE:%=build/%)
UNIT_LDLIBS_scfilter_bpf = $(LDLIBS_scfilter)
UNIT_OBJ_scfilter_readers = $(SCFILTER_PARTS:%=build/cmd/scfilter/%.o)
UNIT_LDLIBS_scfilter_readers = $(LDLIBS_scfilter)
FUZZ_OBJ_scfilter_text = $(SCFILTER_PARTS:%=build/fuzz/cmd/scfilter/%.o) \
	$(SCFILTER_ORACLE:%=build/fuzz/%)
FUZZ_LDLIBS_scfilter_text = $(LDLIBS_scfilter)
FUZZ_OBJ_scfilter_json = $(FUZZ_OBJ_scfilter_text)
FUZZ_LDLIBS_scfilter_json = $(LDLIBS_scfilter)

bench: deps all static
	tests/bench.sh

# conch run against runc and crun on a pure cgroup v2 kernel under qemu
# (TCG: every number ten times the host's, the ratios comparable).
bench-vm: deps static testprogs
	CONCH_VM_BENCH=conch.sh CONCH_VM_BENCH_RUNS=$${BENCH_RUNS:-100} tests/vm/run

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR)
	for t in $(TOOLS); do \
		cp -f bin/$$t $(DESTDIR)$(BINDIR)/$$t && \
		chmod 755 $(DESTDIR)$(BINDIR)/$$t || exit 1; \
		if [ -f man/$$t.1 ]; then cp -f man/$$t.1 $(DESTDIR)$(MANDIR)/man1/ && \
			chmod 644 $(DESTDIR)$(MANDIR)/man1/$$t.1 || exit 1; fi; \
		if [ -f completions/bash/$$t ]; then \
			cp -f completions/bash/$$t $(DESTDIR)$(BASHCOMPDIR)/ || exit 1; fi; \
		if [ -f completions/zsh/_$$t ]; then \
			cp -f completions/zsh/_$$t $(DESTDIR)$(ZSHCOMPDIR)/ || exit 1; fi; \
	done
	if [ -f man/conch.7 ]; then cp -f man/conch.7 $(DESTDIR)$(MANDIR)/man7/; fi
	# The runtime's chain, when make static built it.
	for t in $(CARRIED); do \
		if [ -f static/$$t ]; then mkdir -p $(DESTDIR)$(LIBEXECDIR) && \
			cp -f static/$$t $(DESTDIR)$(LIBEXECDIR)/$$t && \
			chmod 755 $(DESTDIR)$(LIBEXECDIR)/$$t || exit 1; fi; \
	done
	# conch itself static too, when built: it cannot run without its
	# chain's static builds anyway, and it starts 1.6 ms sooner without
	# ld.so and libjansson.so, a tenth of a whole container's run.
	if [ -f static/conch ]; then cp -f static/conch $(DESTDIR)$(BINDIR)/conch; fi

uninstall:
	for t in $(TOOLS); do \
		rm -f $(DESTDIR)$(BINDIR)/$$t $(DESTDIR)$(MANDIR)/man1/$$t.1 \
			$(DESTDIR)$(BASHCOMPDIR)/$$t $(DESTDIR)$(ZSHCOMPDIR)/_$$t; \
	done
	rm -f $(DESTDIR)$(MANDIR)/man7/conch.7
	for t in $(CARRIED); do rm -f $(DESTDIR)$(LIBEXECDIR)/$$t; done
	rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null || true

clean:
	rm -rf build bin static

.PHONY: all static testprogs deps demo check installcheck check-vm fuzz bench bench-vm install uninstall clean

-include $(LIBOBJ:.o=.d) $(TOOLSRC:%.c=build/%.d) $(UNITS:%=build/tests/unit/%_test.d)
-include $(MUSL_LIBOBJ:.o=.d) $(TOOLSRC:%.c=build/musl/%.d)
-include $(wildcard build/fuzz/*/*.d build/fuzz/*/*/*.d build/fuzz/*/*/*/*.d)
