# Loaxa — build, test and demonstrate. `make demo` and `make test` install what is missing.
SWIFT ?= swift
TEST_AUDIO := .build/test-audio
VCARD := tools/vcard/build/libasound_module_pcm_loaxavcard.so

.PHONY: all deps build release deb test-deb vcard test-audio test demo bench bench-scale soak clean

all: build

deps:
	@bash tools/install-deps.sh

build: deps
	$(SWIFT) build

# Release builds link the Swift runtime and Foundation into the programs: a station then
# needs no Swift runtime installed, and loaxad maps only the parts of them it uses
# (measured: about 4 MB less resident memory than with the shared libraries). Nothing
# is then loaded from beside the programs, so they carry no $ORIGIN search path.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --disable-local-rpath

# The Debian package, .build/deb/loaxa_VERSION_ARCH.deb (see packaging/).
deb: release
	@bash packaging/build-deb.sh $$($(SWIFT) build -c release --show-bin-path)

# The package installed in a fresh Debian 12 chroot (debootstrap; root and the network,
# the chroot is kept in .build/deb-test/ for the next run): the maintainer scripts, the
# users and modes, and the CLI against the installed files, then upgrade and purge.
test-deb: deb
	bash packaging/test-install.sh .build/deb/loaxa_$$(tr -d ' \n' <packaging/VERSION)_$$(dpkg --print-architecture).deb

vcard: deps
	$(MAKE) -C tools/vcard all

test-audio: deps
	@[ -f $(TEST_AUDIO)/loud-noise-48k.wav ] || bash tools/make-test-audio.sh $(TEST_AUDIO)

# Unit tests, the virtual card's own tests, the analyser's self-test, the integration
# tests that run the built loaxad through the virtual card, then the Debian package
# installed in a chroot (test-deb: it builds the release programs, about 3 minutes more
# from a clean tree).
test: deps vcard test-audio
	$(MAKE) -C tools/alloccount test
	$(MAKE) -C tools/vcard test
	python3 tools/test_analyze_capture.py
	$(SWIFT) build --build-tests
	LOAXA_TEST_AUDIO=$(CURDIR)/$(TEST_AUDIO) LOAXA_VCARD=$(CURDIR)/$(VCARD) \
	  LOAXA_BIN=$$($(SWIFT) build --show-bin-path) $(SWIFT) test --skip-build --parallel --num-workers 2
	$(MAKE) test-deb

demo: release vcard
	@bash tools/demo.sh $$($(SWIFT) build -c release --show-bin-path)

# loaxad against mpd, each through its own virtual card; writes docs/BENCHMARKS.md
# (about 40 minutes; the raw results stay in .build/bench/).
bench: release vcard
	@bash tools/bench/run.sh $$($(SWIFT) build -c release --show-bin-path)

# The airplay log at scale: export, report and verify over 100,000 and 1,000,000 generated
# records; writes its section of docs/BENCHMARKS.md (the first run generates the logs,
# about 10 minutes; they are kept in .build/bench/scale/).
bench-scale: release
	python3 tools/bench/scale.py --bin $$($(SWIFT) build -c release --show-bin-path) --report docs/BENCHMARKS.md

# Long checks: a block played while stress-ng keeps every core busy.
# Long runs: five minutes under full CPU load, then ten minutes of ±3000 ppm cards with a
# block every two minutes, then loaxad killed with SIGKILL 200 times (about ten minutes).
soak: release vcard test-audio
	@bash tools/bench/soak.sh $$($(SWIFT) build -c release --show-bin-path)
	$(SWIFT) build --build-tests
	LOAXA_DRIFT_MINUTES=10 LOAXA_TEST_AUDIO=$(CURDIR)/$(TEST_AUDIO) LOAXA_VCARD=$(CURDIR)/$(VCARD) \
	  LOAXA_BIN=$$($(SWIFT) build --show-bin-path) $(SWIFT) test --skip-build --filter DriftTests
	LOAXA_KILLS=200 LOAXA_TEST_AUDIO=$(CURDIR)/$(TEST_AUDIO) LOAXA_VCARD=$(CURDIR)/$(VCARD) \
	  LOAXA_BIN=$$($(SWIFT) build --show-bin-path) $(SWIFT) test --skip-build --filter KillLoopTests

clean:
	rm -rf .build tools/vcard/build var
