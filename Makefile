# bootsrv - build, test, demo.
#
#   make           build everything (bootsrv, installer init, mkinitramfs, bootinit)
#   make deps      install the Debian packages needed (idempotent)
#   make golden-grub  the golden test image with grub (build/golden-grub)
#   make check     deps + build + unit, integration and QEMU end-to-end tests
#   make demo      deps + build + a lab where bootsrv installs a QEMU guest
#   make unit | integration | qemu | fuzz   one suite, with what it needs built
#
# Objects go to build/ (release: the programs a person runs, and the demo)
# and build/san/ (ASan+UBSan, used by the tests).

CC      ?= gcc
BUILD   := build
SAN     := $(BUILD)/san
PKGS    := libconfig libnl-3.0 libnl-route-3.0 libpcap libparted libmicrohttpd jansson \
           libkmod libarchive libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# each program links only what it uses; unit tests link everything
BOOTSRV_LIBS   := $(shell pkg-config --libs libconfig libmicrohttpd jansson libcurl libpcap libarchive \
                    libnl-3.0 libnl-route-3.0 2>/dev/null) -pthread
INSTALLER_LIBS := -lparted -lcurl -ljansson
MKI_LIBS       := -lkmod -larchive -lconfig
TEST_LIBS      := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lcmocka -pthread

WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -MMD -MP -Ilib -Ibootsrv -Iinstaller -Iinitramfs \
           $(WARN) $(PKG_CFLAGS) $(CFLAGS)
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRC       := $(wildcard lib/*.c)
BOOTSRV_SRC   := $(wildcard bootsrv/*.c bootsrv/*/*.c)
INSTALLER_SRC := $(wildcard installer/*.c)
MKI_SRC       := $(filter-out initramfs/bootinit.c,$(wildcard initramfs/*.c))
TEST_SRC      := $(wildcard tests/test_*.c)

obj = $(patsubst %.c,$(1)/obj/%.o,$(2))

LIB_OBJ       := $(call obj,$(BUILD),$(LIB_SRC))
BOOTSRV_OBJ   := $(call obj,$(BUILD),$(BOOTSRV_SRC))
INSTALLER_OBJ := $(call obj,$(BUILD),$(INSTALLER_SRC))
MKI_OBJ       := $(call obj,$(BUILD),$(MKI_SRC))

SAN_LIB_OBJ   := $(call obj,$(SAN),$(LIB_SRC))
SAN_BOOTSRV   := $(call obj,$(SAN),$(BOOTSRV_SRC))
SAN_INSTALLER := $(call obj,$(SAN),$(INSTALLER_SRC))
SAN_MKI       := $(call obj,$(SAN),$(MKI_SRC))
# everything but the files holding main(), for unit tests
SAN_TESTABLE  := $(SAN_LIB_OBJ) $(filter-out %/main.o,$(SAN_BOOTSRV) $(SAN_INSTALLER)) \
                 $(filter-out %/mkinitramfs.o,$(SAN_MKI))
TEST_BIN      := $(patsubst tests/%.c,$(SAN)/tests/%,$(TEST_SRC))

PROGS := $(BUILD)/bootsrv $(BUILD)/installer-init $(BUILD)/mkinitramfs $(BUILD)/bootinit
SAN_PROGS := $(SAN)/bootsrv $(SAN)/mkinitramfs $(SAN)/installer-init

.PHONY: all deps check unit integration qemu demo kernel initramfs golden golden-grub clean format fuzz fuzz-build
all: $(PROGS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(SAN)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -c -o $@ $<

$(BUILD)/bootsrv: $(BOOTSRV_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(BOOTSRV_LIBS)
$(BUILD)/installer-init: $(INSTALLER_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(INSTALLER_LIBS)
$(BUILD)/mkinitramfs: $(MKI_OBJ) $(LIB_OBJ)
	$(CC) $(CFLAGS) -o $@ $^ $(MKI_LIBS)
# bootinit runs as PID 1 of the test images' boot initramfs: static, no libs.
# Only the lib objects it uses: others may need shared libraries (libconfig...).
BOOTINIT_LIB_OBJ := $(BUILD)/obj/lib/log.o $(BUILD)/obj/lib/util.o $(BUILD)/obj/lib/modload.o $(BUILD)/obj/lib/pid1_core.o
$(BUILD)/bootinit: initramfs/bootinit.c $(BOOTINIT_LIB_OBJ)
	$(CC) $(ALL_CFLAGS) -static -o $@ $(filter %.c %.o,$^)

$(SAN)/bootsrv: $(SAN_BOOTSRV) $(SAN_LIB_OBJ)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(BOOTSRV_LIBS)
$(SAN)/installer-init: $(SAN_INSTALLER) $(SAN_LIB_OBJ)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(INSTALLER_LIBS)
$(SAN)/mkinitramfs: $(SAN_MKI) $(SAN_LIB_OBJ)
	$(CC) $(SAN_FLAGS) -o $@ $^ $(MKI_LIBS)
$(SAN)/tests/%: tests/%.c $(SAN_TESTABLE)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(SAN_FLAGS) -o $@ $(filter %.c %.o,$^) $(TEST_LIBS)

# libFuzzer harnesses (clang): one per parser, linked against every server
# and lib object. `make fuzz` runs each for FUZZ_SECONDS on its corpus.
FUZZ_CC      := clang
FUZZ_FLAGS   := -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -g -O1
FUZZ_SRC     := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN     := $(patsubst fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
FUZZ_OBJ     := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRC) $(filter-out bootsrv/main.c,$(BOOTSRV_SRC)))
FUZZ_SECONDS ?= 30
$(BUILD)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -Ilib -Ibootsrv $(PKG_CFLAGS) $(FUZZ_FLAGS) -c -o $@ $<
$(BUILD)/fuzz/%: fuzz/%.c $(FUZZ_OBJ)
	$(FUZZ_CC) -std=c11 -D_GNU_SOURCE -Ilib -Ibootsrv $(PKG_CFLAGS) -g -O1 \
		-fsanitize=fuzzer,address,undefined -o $@ $^ $(BOOTSRV_LIBS)
fuzz-build: $(FUZZ_BIN)
fuzz: $(FUZZ_BIN)
	./tests/run.sh fuzz

deps:
	./scripts/deps.sh

# Debian's installer kernel, downloaded (never installed on this host).
kernel: $(BUILD)/kernel/.done
$(BUILD)/kernel/.done: scripts/fetch-kernel.sh
	./scripts/fetch-kernel.sh $(BUILD)/kernel

# Installer kernel + initrd for flavor "default", ready to serve.
initramfs: $(BUILD)/boot/default/initrd.img
$(BUILD)/boot/default/initrd.img: $(BUILD)/kernel/.done $(BUILD)/mkinitramfs \
		$(BUILD)/installer-init initramfs/installer.conf
	$(BUILD)/mkinitramfs -c initramfs/installer.conf --kernel-root $(BUILD)/kernel/root \
		--flavor default --init $(BUILD)/installer-init -o $(BUILD)/boot

# Each test target builds what its tests use (test_cpio's closure test
# reads the Debian kernel; the installer integration tests install the
# grub image), so none depends on what another target left in build/.
unit: $(TEST_BIN) kernel
	./tests/run.sh unit
integration: all $(SAN_PROGS) kernel golden-grub
	./tests/run.sh integration
qemu: all $(SAN_PROGS) initramfs golden golden-grub
	./tests/run.sh qemu

# The golden test image installed by the end-to-end tests and the demo.
golden: $(BUILD)/golden.done
$(BUILD)/golden.done: $(BUILD)/kernel/.done $(BUILD)/mkinitramfs $(BUILD)/bootinit \
		initramfs/boot.conf qemu-tests/golden-image.sh
	./qemu-tests/golden-image.sh $(BUILD)/golden
	touch $@

# The same image with the host's Debian grub in it (installed with grub).
golden-grub: $(BUILD)/golden-grub.done
$(BUILD)/golden-grub.done: $(BUILD)/kernel/.done $(BUILD)/mkinitramfs $(BUILD)/bootinit \
		initramfs/boot.conf qemu-tests/golden-image.sh
	./qemu-tests/golden-image.sh $(BUILD)/golden-grub --grub
	touch $@

check: deps
	$(MAKE) all $(SAN_PROGS) $(TEST_BIN) $(FUZZ_BIN)
	$(MAKE) initramfs golden golden-grub
	./tests/run.sh

demo: deps
	$(MAKE) all initramfs golden
	./qemu-tests/demo.sh

format:
	clang-format -i $(LIB_SRC) $(BOOTSRV_SRC) $(INSTALLER_SRC) $(MKI_SRC) initramfs/bootinit.c \
		$(TEST_SRC) lib/*.h bootsrv/*/*.h installer/*.h initramfs/*.h

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj $(SAN)/obj $(SAN)/tests -name '*.d' -type f 2>/dev/null)
