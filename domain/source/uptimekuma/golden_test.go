package uptimekuma_test

import (
	"flag"
	"testing"

	"github.com/monhook/monhook/domain/source/sourcetest"
	"github.com/monhook/monhook/domain/source/uptimekuma"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output (review the diff!)")

func TestGolden(t *testing.T) { sourcetest.Golden(t, uptimekuma.Source, *update) }

func TestAutoDetectsEveryExample(t *testing.T) { sourcetest.Detected(t, uptimekuma.Source) }
