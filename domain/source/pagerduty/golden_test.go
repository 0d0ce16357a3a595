package pagerduty_test

import (
	"flag"
	"testing"

	"github.com/monhook/monhook/domain/source/pagerduty"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

var update = flag.Bool("update", false, "rewrite the golden files from the current output (review the diff!)")

func TestGolden(t *testing.T) { sourcetest.Golden(t, pagerduty.Source, *update) }

func TestAutoDetectsEveryExample(t *testing.T) { sourcetest.Detected(t, pagerduty.Source) }
