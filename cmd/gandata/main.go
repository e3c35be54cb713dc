// Command gandata inspects data sets and prepares image folders for fast loading.
//
//	go run ./cmd/gandata inspect [flags] SPEC
//	go run ./cmd/gandata prepare [flags] SPEC OUT.cache
//
// SPEC is any datasets.Open spec: mnist, mnist:test, fashion-mnist, emoji, folder:/path,
// zip:/path.zip, cifar10:/dir, cache:/file. inspect prints the number of samples, resolution,
// channels and classes, writes a PNG grid of shuffled samples with -grid and, with -time, measures how
// many images per second the loader serves. prepare decodes every image once at the chosen
// resolution into a single cache file (written to a temporary file, then renamed), which
// datasets.Open("cache:OUT.cache", ...) then streams without decoding.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ganlab/gogan/datasets"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gandata:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  gandata inspect [flags] SPEC            describe a data set (-grid FILE: and write a grid of samples)
  gandata prepare [flags] SPEC OUT.cache  decode a data set once into a fast cache file
SPEC: mnist, mnist:test, fashion-mnist, fashion-mnist:test, emoji, folder:/path,
      zip:/path.zip, cifar10:/dir, cache:/file
Run "gandata inspect -h" or "gandata prepare -h" for the flags.`

func run(args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("no command given\n%s", usage)
	}
	switch args[0] {
	case "inspect":
		return inspect(args[1:], out)
	case "prepare":
		return prepare(args[1:], out)
	case "-h", "-help", "--help", "help":
		fmt.Fprintln(out, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", args[0], usage)
}

// addOptionFlags declares the flags shared by both commands, which fill opts.
func addOptionFlags(flags *flag.FlagSet, opts *datasets.Options) {
	flags.IntVar(&opts.Resolution, "res", 0, "side of the square images, a power of two (0: the data set's native size; required for folder: and zip:)")
	flags.IntVar(&opts.Channels, "channels", 0, "1 (gray) or 3 (RGB); 0: the data set's own")
	flags.BoolVar(&opts.SkipBad, "skip-bad", false, "skip (and list) files that cannot be decoded instead of failing")
	flags.BoolVar(&opts.AllowUpscale, "upscale", false, "enlarge images smaller than -res instead of rejecting them")
	flags.IntVar(&opts.Workers, "workers", 0, "decoding goroutines (0: one per CPU)")
}

// parseFlags parses args and checks that wantArgs positional arguments remain.
func parseFlags(flags *flag.FlagSet, args []string, wantArgs int, argsUsage string) ([]string, error) {
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), "usage: gandata %s [flags] %s\n", flags.Name(), argsUsage)
		flags.PrintDefaults()
	}
	if err := flags.Parse(args); err != nil {
		return nil, err
	}
	if flags.NArg() != wantArgs {
		return nil, fmt.Errorf("%s takes %s after the flags, got %q", flags.Name(), argsUsage, flags.Args())
	}
	return flags.Args(), nil
}
