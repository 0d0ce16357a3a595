package application_test

import (
	"context"
	"errors"
	"testing"

	"github.com/monhook/monhook/application"
	"github.com/monhook/monhook/domain/option"
	"github.com/monhook/monhook/domain/plugin"
)

func TestInitDescribesValidOptions(t *testing.T) {
	uc := application.NewInit(plugin.Build{Version: "v9"})
	md, err := uc.Handle(context.Background(), map[string]any{"default_severity": "ERROR"})
	if err != nil {
		t.Fatal(err)
	}
	if md.Name != plugin.Name || md.Version != "v9" {
		t.Errorf("name, version = %q, %q", md.Name, md.Version)
	}
	if md.Options.DefaultSeverity != "ERROR" || md.Options.Source != option.Auto {
		t.Errorf("options = %+v, want the given default_severity and the default source", md.Options)
	}
	if len(md.SupportedSources) != len(option.Sources()) {
		t.Errorf("supported sources = %v", md.SupportedSources)
	}
}

func TestUseCasesReturnTheDomainError(t *testing.T) {
	ctx := context.Background()
	cases := map[string]map[string]any{
		"absent":  nil,
		"unknown": {"x": "y"},
		"invalid": {"convert_data": map[string]any{"title": "{% x %}"}},
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			_, ierr := application.NewInit(plugin.Build{Version: "v"}).Handle(ctx, raw)
			verr := application.NewVerify().Handle(ctx, raw)
			var ie, ve *option.Error
			if !errors.As(ierr, &ie) || !errors.As(verr, &ve) {
				t.Fatalf("init error %v, verify error %v; want *option.Error from both", ierr, verr)
			}
			if ie.Violations[0] != ve.Violations[0] {
				t.Errorf("init and verify disagree: %+v vs %+v", ie.Violations[0], ve.Violations[0])
			}
		})
	}
}

func TestVerifyAcceptsValidOptions(t *testing.T) {
	raw := map[string]any{"load_json": []any{"message"}, "convert_data": map[string]any{"title": "{{ a.b }}"}}
	if err := application.NewVerify().Handle(context.Background(), raw); err != nil {
		t.Fatal(err)
	}
}
