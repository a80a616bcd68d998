# tritgate top level.
#   make            build build/tritgate (installs missing Debian packages first)
#   make test       build and run every test (unit + RTL integration) with ctest
#   make demo       gen -> lint -> Verilator check -> synth on the shipped model, then a report
#   make synth BOARD=ice40 [MODEL=...]   see Makefile.flow
BUILD_TYPE ?= Release
JOBS ?= 2

.PHONY: all deps build test demo clean
all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null
	@cmake --build build -j $(JOBS)


test: build
	ctest --test-dir build --output-on-failure -j $(JOBS)

demo: build
	@scripts/demo.sh "$(MODEL)" "$(BOARD)"

clean:
	rm -rf build

include Makefile.flow
