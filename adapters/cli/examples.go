package cli

import (
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/spf13/cobra"

	"github.com/monhook/monhook/domain/source"
)

// ExamplesCommand is `monhook examples`: the real bodies each source ships with, to try `monhook parse` on.
func ExamplesCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "examples [SOURCE | SOURCE/FILE]",
		Short: "List the bundled example bodies of every source, or print one",
		Long: "Lists the real webhook bodies bundled with each source (SOURCE/FILE, one per line), or those of one\n" +
			"SOURCE, or prints the body SOURCE/FILE, ready for `monhook parse -`:\n\n" +
			"  monhook examples alertmanager/zulip-firing-two-alerts.json | monhook parse -",
		Args:          Usage(cobra.MaximumNArgs(1)),
		SilenceUsage:  true,
		SilenceErrors: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			if len(args) == 0 {
				for _, s := range source.All() {
					if err := listExamples(out, s.Name, s.Examples); err != nil {
						return err
					}
				}
				return nil
			}
			name, file, one := strings.Cut(args[0], "/")
			s, ok := source.Lookup(name)
			if !ok {
				return fmt.Errorf("no source %q; the sources are %s", name, strings.Join(source.Names(), ", "))
			}
			if !one {
				return listExamples(out, s.Name, s.Examples)
			}
			b, err := fs.ReadFile(s.Examples, file)
			if err != nil || strings.Contains(file, "/") || !strings.HasSuffix(file, ".json") {
				return fmt.Errorf("%s has no example %q; `monhook examples %s` lists them", name, file, name)
			}
			_, err = out.Write(b)
			return err
		},
	}
}

func listExamples(out io.Writer, name string, examples fs.FS) error {
	files, err := fs.Glob(examples, "*.json")
	if err != nil {
		return err
	}
	for _, f := range files {
		if _, err := fmt.Fprintf(out, "%s/%s\n", name, f); err != nil {
			return err
		}
	}
	return nil
}
