package cli

import (
	"github.com/spf13/cobra"

	"github.com/amika-dev/amika/discovery"
	"github.com/amika-dev/amika/internal/report"
	"github.com/amika-dev/amika/shellinit"
)

func newAuthCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "auth",
		Short: "Discover the credentials coding agents keep on this machine",
	}
	cmd.AddCommand(newExtractCmd(), newSourcesCmd())
	return cmd
}

type extractOptions struct {
	io     *ioStreams
	df     discoveryFlags
	export bool
	format string
}

func newExtractCmd() *cobra.Command {
	opts := &extractOptions{}
	cmd := &cobra.Command{
		Use:   "extract",
		Short: "Print the discovered credentials as shell assignments",
		Long: `Print one credential per provider, resolved by source priority, as shell assignments
sorted by variable name. Each credential is named as its client takes it: an API key as
ANTHROPIC_API_KEY and CLAUDE_API_KEY (openai: OPENAI_API_KEY and CODEX_API_KEY; any other
provider P: P_API_KEY), an Anthropic OAuth token as CLAUDE_CODE_OAUTH_TOKEN only. Another
provider's OAuth token has no variable its client takes: --format json lists it, with an
empty name; the shell formats leave it out.

--reference-names prints what the reference tool prints, byte for byte: its sources only,
and every credential under the API-key names, OAuth tokens included. Claude Code sends
whatever is in ANTHROPIC_API_KEY as an API key, so an OAuth token there fails: use it only
for tools that expect the reference's output.

  eval "$(amika auth extract --export)"          # bash, zsh, sh
  amika auth extract --export --format fish | source
  amika auth extract --format json`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.io = streamsOf(cmd)
			return runExtract(opts)
		},
	}
	opts.df.register(cmd)
	cmd.Flags().BoolVar(&opts.export, "export", false, "export the variables (export NAME=… / set -gx)")
	cmd.Flags().StringVar(&opts.format, "format", "sh", "output format: sh, fish or json")
	cmd.Flags().BoolVar(&opts.df.reference, "reference-names", false, "print exactly what the reference tool prints (API-key names for every credential)")
	return cmd
}

func runExtract(opts *extractOptions) error {
	f, err := shellinit.ParseFormat(opts.format)
	if err != nil {
		return usageError{err}
	}
	res, err := opts.df.discover()
	if err != nil {
		return err
	}
	mode := discovery.ModePrint
	if opts.df.reference {
		mode = discovery.ModeReference
	}
	as, warns := discovery.Assignments(res.Credentials, mode)
	warn(opts.io.ErrOut, append(res.Warnings, warns...))
	return shellinit.WriteAssignments(opts.io.Out, f, opts.export, as)
}

type sourcesOptions struct {
	io     *ioStreams
	df     discoveryFlags
	output outputFlag
}

func newSourcesCmd() *cobra.Command {
	opts := &sourcesOptions{}
	cmd := &cobra.Command{
		Use:   "sources",
		Short: "Show every credential source, its state and what it yields (values masked)",
		Long: `Show every file, keyring item and variable discovery reads, highest priority first,
what state it is in and what it yields, values masked. An OAuth token from an agent's own
login (Claude Code, Codex, OpenCode, Gemini CLI, Amp) is marked "left to" that agent: the
agent reads and refreshes it itself, so the shell hooks, direnv and amika run do not hand
it out (amika auth extract still prints it).`,
		Args: wrapArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.io = streamsOf(cmd)
			return runSources(opts)
		},
	}
	opts.df.register(cmd)
	opts.output.register(cmd)
	return cmd
}

func runSources(opts *sourcesOptions) error {
	f, err := opts.output.parse()
	if err != nil {
		return err
	}
	res, err := opts.df.discover()
	if err != nil {
		return err
	}
	warnings := res.Warnings
	as, _ := discovery.Assignments(res.Handout, discovery.ModeHandout)
	for _, w := range discovery.LoginOverride(res, as, nil) {
		w.Reason += " whenever a shell hook, direnv or amika run hands it out; to keep the subscription, leave anthropic out (a provider filter: amika init bash openai …, use amika openai …), start Claude Code without amika run --provider anthropic or --discovered, and past an amika init --lazy wrapper run command claude"
		warnings = append(warnings, w)
	}
	if f == report.Table {
		warn(opts.io.ErrOut, warnings)
	}
	paths, _ := opts.df.paths()
	return report.Sources(opts.io.Out, f, res, warnings, paths)
}
