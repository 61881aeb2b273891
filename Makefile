# libsts build, test and install. `make demo` and `make test` are the two commands of the README.
PREFIX ?= /usr/local
CARGO ?= cargo
CC ?= cc
CXX ?= c++

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MAJOR := $(word 1,$(subst ., ,$(VERSION)))
MINOR := $(word 2,$(subst ., ,$(VERSION)))
# As build.rs: in 0.x the minor is part of the ABI's name, from 1.0 on only the major.
SONAME := $(if $(filter 0,$(MAJOR)),libsts.so.0.$(MINOR),libsts.so.$(MAJOR))
LIBFILE := libsts.so.$(VERSION)
RELEASE := target/release
OUT := target/c
EMULATOR_ID := AKIDEMULATOREXAMPLE0000000000000000
EMULATOR_KEY := emulator-secret-key-EXAMPLE
WITH_EMULATOR := scripts/with-emulator.sh
# Nothing run from here asks the real CVM metadata server: a credential call without a key
# would end the credential chain there (tests of that source use the emulator's metadata mode).
export TENCENTCLOUD_METADATA_DISABLED := true
# test_sts also needs a temporary key and an OIDC provider (the same values as in test_sts.c).
C_EMULATOR_FLAGS = --key $(EMULATOR_ID):$(EMULATOR_KEY) \
  --key AKIDtemporaryEXAMPLE0000000000000000:temporary-key-EXAMPLE \
  --token AKIDtemporaryEXAMPLE0000000000000000:session-token-SECRET-MARKER \
  --web-identity tke-oidc:eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.OIDC-SECRET-MARKER
# Link the C programs against the freshly built library, found at run time through rpath.
LINK := -L$(RELEASE) -lsts -Wl,-rpath,$(abspath $(RELEASE)) -lpthread
STATIC_LIBS := -lpthread -ldl -lm -lrt -lutil -lgcc_s -lc
WARN := -Wall -Wextra -Werror -pedantic -Iinclude
VALGRIND := valgrind --quiet --suppressions=bindings/c/valgrind.supp --leak-check=full --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect --error-exitcode=3
BINDINGS := python node go java
ARCH := $(shell uname -m)
# The packages `make dist` builds into dist/, one name each. A package adds itself here with
# two targets: dist-NAME (builds it) and test-dist-NAME (installs and uses it the way its users
# would, in a scratch place with no Rust toolchain and no view of this checkout: scripts/dist-env.sh).
DIST := dist
DIST_PACKAGES := c python node go java
DIST_C_NAME := libsts-$(VERSION)-linux-$(ARCH)
DIST_C := $(DIST)/$(DIST_C_NAME).tar.gz
DIST_GO_NAME := libsts-go-$(VERSION)
DIST_GO := $(DIST)/$(DIST_GO_NAME).tar.gz
DIST_JAVA := $(DIST)/java
MVN_JAVA := mvn -B -q -ntp -Dstyle.color=never -f bindings/java/pom.xml -Dlibsts.dir=$(abspath $(RELEASE))
# Tarball entries get the last commit's time, so the same commit gives the same archive.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)

.PHONY: all build header demo test deps test-rust test-header test-c test-install test-bindings \
        $(addprefix test-,$(BINDINGS)) test-fuzz lint bench install uninstall clean \
        dist test-dist $(addprefix dist-,$(DIST_PACKAGES)) $(addprefix test-dist-,$(DIST_PACKAGES))

all: build

# build.rs puts the soname link next to the library; a plain `cargo build` gets it too.
build:
	$(CARGO) build --release --workspace
	@test -L $(RELEASE)/$(SONAME) || { echo "build.rs did not create $(RELEASE)/$(SONAME)" >&2; exit 1; }

# Regenerates include/sts.h from src/ffi.rs (tests/header.rs fails while it is stale).
header:
	STS_BLESS=1 $(CARGO) test --test header

$(OUT):
	mkdir -p $(OUT)

$(OUT)/example: bindings/c/example.c include/sts.h build | $(OUT)
	$(CC) -std=c99 $(WARN) $< $(LINK) -o $@

demo: $(OUT)/example
	@echo "== starting sts-emulator on 127.0.0.1 and running bindings/c/example.c against it"
	TENCENTCLOUD_SECRET_ID=$(EMULATOR_ID) TENCENTCLOUD_SECRET_KEY=$(EMULATOR_KEY) \
	  $(WITH_EMULATOR) -- sh -c './$(OUT)/example "$$STS_EMULATOR_URL"'

test: deps build test-rust test-header test-c test-install dist test-dist test-bindings test-fuzz
	@echo "== make test: all suites passed"

deps:
	scripts/install-deps.sh

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test-rust: lint
	RUST_BACKTRACE=0 $(CARGO) test --workspace

# The header must compile cleanly as C99 and C++11, and sts.hpp as C++17 (its tests: test-dist-c).
test-header: | $(OUT)
	$(CXX) -std=c++17 $(WARN) -Wconversion -Wshadow -fsyntax-only -x c++ include/sts.hpp
	$(CC) -std=c99 $(WARN) -x c bindings/c/header_check.c $(LINK) -o $(OUT)/header_c99 && $(OUT)/header_c99
	$(CXX) -std=c++11 $(WARN) -x c++ bindings/c/header_check.c $(LINK) -o $(OUT)/header_cxx11 && $(OUT)/header_cxx11

$(OUT)/test_sts: bindings/c/test_sts.c include/sts.h build | $(OUT)
	$(CC) -std=c99 -g $(WARN) $< $(LINK) -o $@

$(OUT)/test_sts_asan: bindings/c/test_sts.c include/sts.h build | $(OUT)
	$(CC) -std=c99 -g -fsanitize=address,undefined -fno-omit-frame-pointer $(WARN) $< $(LINK) -o $@

$(OUT)/example_static: bindings/c/example.c include/sts.h build | $(OUT)
	$(CC) -std=c99 $(WARN) $< $(RELEASE)/libsts.a $(STATIC_LIBS) -o $@

$(OUT)/example_async: bindings/c/example_async.c include/sts.h build | $(OUT)
	$(CC) -std=c99 $(WARN) $< $(LINK) -o $@

# Loads libsts with dlopen only (no -lsts): unloading with async calls in flight.
$(OUT)/test_unload: bindings/c/test_unload.c include/sts.h | $(OUT)
	$(CC) -std=c99 $(WARN) $< -ldl -lpthread -o $@

test-c: $(OUT)/test_sts $(OUT)/test_sts_asan $(OUT)/example_static $(OUT)/example_async $(OUT)/test_unload
	@echo "== C tests"
	$(WITH_EMULATOR) $(C_EMULATOR_FLAGS) -- $(OUT)/test_sts
	@echo "== C tests under valgrind memcheck"
	RUST_BACKTRACE=0 $(WITH_EMULATOR) $(C_EMULATOR_FLAGS) -- $(VALGRIND) $(OUT)/test_sts
	@echo "== C tests under AddressSanitizer + LeakSanitizer + UBSan"
	RUST_BACKTRACE=0 ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(WITH_EMULATOR) $(C_EMULATOR_FLAGS) -- $(OUT)/test_sts_asan
	@echo "== statically linked example"
	TENCENTCLOUD_SECRET_ID=$(EMULATOR_ID) TENCENTCLOUD_SECRET_KEY=$(EMULATOR_KEY) \
	  $(WITH_EMULATOR) -- sh -c './$(OUT)/example_static "$$STS_EMULATOR_URL" >/dev/null'
	@echo "== async example: 100 calls against an emulator answering in 30 ms"
	TENCENTCLOUD_SECRET_ID=$(EMULATOR_ID) TENCENTCLOUD_SECRET_KEY=$(EMULATOR_KEY) \
	  $(WITH_EMULATOR) --latency-ms 30 -- sh -c './$(OUT)/example_async "$$STS_EMULATOR_URL"'
	@echo "== dlclose with async calls in flight"
	./$(OUT)/test_unload $(RELEASE)/libsts.so

# Installs into a scratch prefix and builds the example the way the README tells users to.
test-install: build | $(OUT)
	rm -rf $(OUT)/prefix
	$(MAKE) --no-print-directory install PREFIX=$(abspath $(OUT)/prefix)
	PKG_CONFIG_PATH=$(abspath $(OUT)/prefix)/lib/pkgconfig sh -c \
	  '$(CC) -std=c99 $(WARN:-Iinclude=) bindings/c/example.c $$(pkg-config --cflags --libs sts) -Wl,-rpath,$(abspath $(OUT)/prefix)/lib -o $(OUT)/example_installed'
	TENCENTCLOUD_SECRET_ID=$(EMULATOR_ID) TENCENTCLOUD_SECRET_KEY=$(EMULATOR_KEY) \
	  $(WITH_EMULATOR) -- sh -c './$(OUT)/example_installed "$$STS_EMULATOR_URL" >/dev/null'
	@echo "== install + pkg-config: ok"

test-bindings: $(addprefix test-,$(BINDINGS))

$(addprefix test-,$(BINDINGS)): build
	bash bindings/$(@:test-%=%)/test.sh

# Each cargo-fuzz target for FUZZ_SECONDS (scripts/fuzz.sh installs cargo-fuzz when missing).
FUZZ_SECONDS ?= 60
test-fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) scripts/fuzz.sh

bench: build
	$(CARGO) bench --bench sts

# Line tables stay in target/ for debugging; installed files get none (the .a shrinks 60 -> 24 MB).
install: build
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/lib/cmake/sts $(DESTDIR)$(PREFIX)/include \
	  $(DESTDIR)$(PREFIX)/bin
	install -m 644 include/sts.h include/sts.hpp $(DESTDIR)$(PREFIX)/include/
	install -m 755 $(RELEASE)/libsts.so $(DESTDIR)$(PREFIX)/lib/$(LIBFILE)
	ln -sf $(LIBFILE) $(DESTDIR)$(PREFIX)/lib/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(PREFIX)/lib/libsts.so
	install -m 644 $(RELEASE)/libsts.a $(DESTDIR)$(PREFIX)/lib/libsts.a
	install -m 755 $(RELEASE)/sts-emulator $(DESTDIR)$(PREFIX)/bin/sts-emulator
	strip --strip-debug $(DESTDIR)$(PREFIX)/lib/$(LIBFILE) $(DESTDIR)$(PREFIX)/lib/libsts.a \
	  $(DESTDIR)$(PREFIX)/bin/sts-emulator
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' sts.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/sts.pc
	sed -e 's|@VERSION@|$(VERSION)|' -e 's|@SONAME@|$(SONAME)|' packaging/c/stsConfig.cmake.in \
	  > $(DESTDIR)$(PREFIX)/lib/cmake/sts/stsConfig.cmake
	sed -e 's|@VERSION@|$(VERSION)|' packaging/c/stsConfigVersion.cmake.in \
	  > $(DESTDIR)$(PREFIX)/lib/cmake/sts/stsConfigVersion.cmake

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/include/sts.h $(DESTDIR)$(PREFIX)/include/sts.hpp $(DESTDIR)$(PREFIX)/lib/libsts.* \
	  $(DESTDIR)$(PREFIX)/lib/pkgconfig/sts.pc $(DESTDIR)$(PREFIX)/lib/cmake/sts/stsConfig.cmake \
	  $(DESTDIR)$(PREFIX)/lib/cmake/sts/stsConfigVersion.cmake $(DESTDIR)$(PREFIX)/bin/sts-emulator
	-rmdir $(DESTDIR)$(PREFIX)/lib/cmake/sts

dist: $(addprefix dist-,$(DIST_PACKAGES))

test-dist: $(addprefix test-dist-,$(DIST_PACKAGES))

# The C/C++ package: `make install` into a staging directory, with a pkg-config file that is
# relative to its own place instead of PREFIX, packed with a fixed order, owner and time.
dist-c: build
	rm -rf $(DIST)/$(DIST_C_NAME) $(DIST_C)
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DIST)/$(DIST_C_NAME)) PREFIX=
	sed -e 's|@PREFIX@|$${pcfiledir}/../..|' -e 's|@VERSION@|$(VERSION)|' sts.pc.in \
	  > $(DIST)/$(DIST_C_NAME)/lib/pkgconfig/sts.pc
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(SOURCE_DATE_EPOCH) \
	  -C $(DIST) -cf - $(DIST_C_NAME) | gzip -9n > $(DIST_C)
	rm -rf $(DIST)/$(DIST_C_NAME)
	@echo "== built $(DIST_C)"

# Unpacks it outside the checkout and uses it from C (pkg-config) and C++ (CMake, GoogleTest).
test-dist-c: dist-c
	packaging/c/test-dist.sh $(DIST_C) $(VERSION)

# The Go module's source as `go get github.com/libsts/libsts/bindings/go` would fetch it: the
# module's files without the nested bench module and test.sh's build output. Users build it
# with -tags libsts_pkgconfig against the C package.
dist-go:
	rm -rf $(DIST)/$(DIST_GO_NAME) $(DIST_GO)
	mkdir -p $(DIST)
	cp -r bindings/go $(DIST)/$(DIST_GO_NAME)
	rm -rf $(DIST)/$(DIST_GO_NAME)/bench $(DIST)/$(DIST_GO_NAME)/build
	find $(DIST)/$(DIST_GO_NAME) \( -name '*.test' -o -name '*.out' \) -delete
	tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@$(SOURCE_DATE_EPOCH) \
	  -C $(DIST) -cf - $(DIST_GO_NAME) | gzip -9n > $(DIST_GO)
	rm -rf $(DIST)/$(DIST_GO_NAME)
	@echo "== built $(DIST_GO)"

# A user's module requiring the Go module, built through pkg-config against the unpacked C
# package, outside the checkout (packaging/go/test-dist.sh).
test-dist-go: dist-c dist-go
	packaging/go/test-dist.sh $(DIST_C) $(DIST_GO) $(VERSION)

# The Java package: the binding's jar (libsts.so inside, as the JNA resource linux-x86-64/libsts.so)
# and lib/ with the jars it depends on at run time, so `java -cp 'dist/java/*:dist/java/lib/*'`
# works from dist/ alone. Its tests run in test-java; here only the jar is built.
dist-java: build
	rm -rf $(DIST_JAVA)
	$(MVN_JAVA) -DskipTests package dependency:copy-dependencies -DincludeScope=runtime \
	  -DoutputDirectory=$(abspath $(DIST_JAVA))/lib
	cp bindings/java/target/cos-sts-libsts-$(VERSION).jar $(DIST_JAVA)/
	@echo "== built $(DIST_JAVA)/cos-sts-libsts-$(VERSION).jar and $(DIST_JAVA)/lib/"

# Copies dist/java outside the checkout and runs a small program with javac and java -cp there.
test-dist-java: dist-java
	packaging/java/test-dist.sh $(DIST_JAVA) $(VERSION)

# Python: an sdist with the crate inside (rust/), and the manylinux wheel built from it with
# setuptools-rust then `auditwheel repair` (packaging/python/dist.sh).
dist-python:
	packaging/python/dist.sh $(DIST) $(VERSION)

# Checks the sdist and the wheel's tag, then pip-installs the wheel into a fresh venv (no index,
# no cargo, checkout hidden) and runs the vendor demos' names against the emulator.
test-dist-python: dist-python build
	packaging/python/test-dist.sh $(DIST) $(VERSION)

# Node: `npm pack` of bindings/node with the library as prebuilds/<platform>-<arch>/libsts.so.
dist-node: build
	packaging/node/dist.sh $(DIST) $(VERSION)

# `npm install`s the tarball into an empty project (no cargo, checkout hidden) and runs the vendor
# demos' names against the emulator with no LIBSTS_PATH.
test-dist-node: dist-node
	packaging/node/test-dist.sh $(DIST) $(VERSION)

clean:
	$(CARGO) clean
	rm -rf $(OUT) $(DIST) bindings/java/target
