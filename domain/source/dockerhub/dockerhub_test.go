package dockerhub_test

import (
	"crypto/md5" //nolint:gosec // the test recomputes Cloudforet's MD5 key on its own
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/monhook/monhook/domain/event"
	"github.com/monhook/monhook/domain/source/dockerhub"
	"github.com/monhook/monhook/domain/source/sourcekit"
	"github.com/monhook/monhook/domain/source/sourcetest"
)

// dockerFixture reads a fresh copy of a Docker Hub fixture, so a test may change it.
func dockerFixture(t *testing.T, name string) map[string]any {
	t.Helper()
	return sourcetest.ReadJSON(t, "testdata/"+name)
}

func dockerPush(doc map[string]any) map[string]any { return doc["push_data"].(map[string]any) }

func dockerRepo(doc map[string]any) map[string]any { return doc["repository"].(map[string]any) }

// dockerOne parses doc with auto-detection and returns its only event.
func dockerOne(t *testing.T, opts, doc map[string]any) event.Event {
	t.Helper()
	return sourcetest.One(t, dockerhub.Name, opts, doc)
}

// cloudforetKey is plugin-dockerhub-mon-webhook's event key: hashlib.md5(f"{repo_name}:{tag}").hexdigest().
func cloudforetKey(repoName, tag string) string {
	sum := md5.Sum([]byte(repoName + ":" + tag)) //nolint:gosec // see the import
	return hex.EncodeToString(sum[:])
}

func TestDockerHubDetection(t *testing.T) {
	tests := []struct {
		name string
		doc  map[string]any
		want bool
	}{
		{"both objects", map[string]any{"push_data": map[string]any{}, "repository": map[string]any{}}, true},
		{"push_data null", map[string]any{"push_data": nil, "repository": map[string]any{"repo_name": "a/b"}}, false},
		{"repository text", map[string]any{"push_data": map[string]any{"tag": "x"}, "repository": "a/b"}, false},
		{"no repository", map[string]any{"push_data": map[string]any{"tag": "x"}}, false},
		{"no push_data", map[string]any{"repository": map[string]any{"repo_name": "a/b"}}, false},
	}
	for _, tt := range tests {
		got, ok := sourcetest.Detect(tt.doc)
		if (ok && got == dockerhub.Name) != tt.want {
			t.Errorf("%s: detected %q (%v), want dockerhub %v", tt.name, got, ok, tt.want)
		}
	}
}

func TestDockerHubKeyIsCloudforets(t *testing.T) {
	for _, f := range sourcetest.Of(t, dockerhub.Source) {
		doc := f.Data(t)
		e := dockerOne(t, nil, doc)
		want := cloudforetKey(dockerRepo(doc)["repo_name"].(string), dockerPush(doc)["tag"].(string))
		if e.Key != want {
			t.Errorf("%s: key %q, want Cloudforet's %q", f.Name(), e.Key, want)
		}
	}
	// Another push of the same tag is the same alert; another tag or repository is not.
	base := dockerOne(t, nil, dockerFixture(t, "docs-push-latest-private-trusted-dockerfile.json")).Key
	again := dockerFixture(t, "docs-push-latest-private-trusted-dockerfile.json")
	dockerPush(again)["pushed_at"], dockerPush(again)["pusher"] = 1500000000.0, "someone-else"
	if got := dockerOne(t, nil, again).Key; got != base {
		t.Errorf("a later push of the tag: key %q, want %q", got, base)
	}
	for _, edit := range []func(map[string]any){
		func(d map[string]any) { dockerPush(d)["tag"] = "v2" },
		func(d map[string]any) { dockerRepo(d)["repo_name"] = "svendowideit/other" },
	} {
		doc := dockerFixture(t, "docs-push-latest-private-trusted-dockerfile.json")
		edit(doc)
		if dockerOne(t, nil, doc).Key == base {
			t.Error("a different tag or repository shares the key")
		}
	}
}

func TestDockerHubWithoutTag(t *testing.T) {
	for _, tag := range []any{"absent", nil, ""} {
		doc := dockerFixture(t, "goliatone-push-latest-images-empty.json")
		if tag == "absent" {
			delete(dockerPush(doc), "tag")
		} else {
			dockerPush(doc)["tag"] = tag
		}
		e := dockerOne(t, nil, doc)
		if e.Key != cloudforetKey("goliatone/hello-rabbit", "") {
			t.Errorf("tag %v: key %q, want md5 of \"goliatone/hello-rabbit:\"", tag, e.Key)
		}
		if e.Title != "New image has been pushed to goliatone/hello-rabbit" || e.Resource.Name != "goliatone/hello-rabbit" {
			t.Errorf("tag %v: title %q, resource %q", tag, e.Title, e.Resource.Name)
		}
		if _, ok := e.AdditionalInfo["tag"]; ok {
			t.Errorf("tag %v: additional_info has a tag", tag)
		}
	}
}

func TestDockerHubEventTypeAndSeverity(t *testing.T) {
	for _, opts := range []map[string]any{nil, {"default_severity": "ERROR"}} {
		for _, f := range sourcetest.Of(t, dockerhub.Source) {
			e := dockerOne(t, opts, f.Data(t))
			if e.Type != event.Alert || e.Severity != event.Info {
				t.Errorf("%s with %v: %s %s, want ALERT INFO", f.Name(), opts, e.Type, e.Severity)
			}
		}
	}
}

func TestDockerHubTitleDescriptionResource(t *testing.T) {
	e := dockerOne(t, nil, dockerFixture(t, "cloudforet-test-push-v1.0.0-media-type.json"))
	if e.Title != "New image tag(v1.0.0) has been pushed to spaceone/plugin-dockerhub-mon-webhook" {
		t.Errorf("title %q, want Cloudforet's text", e.Title)
	}
	if e.Description != e.Title+" by spaceoneadmin" {
		t.Errorf("description %q, want the title and the pusher", e.Description)
	}
	want := event.Resource{ID: "https://hub.docker.com/r/spaceone/plugin-dockerhub-mon-webhook", Type: "dockerhub.repository",
		Name: "spaceone/plugin-dockerhub-mon-webhook:v1.0.0"}
	if e.Resource != want {
		t.Errorf("resource %+v, want %+v", e.Resource, want)
	}
	if e.Provider != "dockerhub" || e.Account != "spaceone" || e.Rule != "" {
		t.Errorf("provider %q, account %q, rule %q", e.Provider, e.Account, e.Rule)
	}

	doc := dockerFixture(t, "cloudforet-test-push-v1.0.0-media-type.json")
	delete(dockerPush(doc), "pusher")
	if got := dockerOne(t, nil, doc); got.Description != got.Title {
		t.Errorf("no pusher: description %q, want the title", got.Description)
	}
	// Without repo_name, the repository's namespace and name make it, as Docker Hub writes it.
	doc = dockerFixture(t, "cloudforet-test-push-v1.0.0-media-type.json")
	delete(dockerRepo(doc), "repo_name")
	if got := dockerOne(t, nil, doc); got.Key != cloudforetKey("spaceone/plugin-dockerhub-mon-webhook", "v1.0.0") ||
		got.Resource.Name != "spaceone/plugin-dockerhub-mon-webhook:v1.0.0" {
		t.Errorf("no repo_name: key %q, resource %q", got.Key, got.Resource.Name)
	}
}

func TestDockerHubAdditionalInfo(t *testing.T) {
	e := dockerOne(t, nil, dockerFixture(t, "cloudforet-test-push-v1.0.0-media-type.json"))
	want := map[string]string{
		"repo_url": "https://hub.docker.com/r/spaceone/plugin-dockerhub-mon-webhook", "namespace": "spaceone",
		"repo_name": "spaceone/plugin-dockerhub-mon-webhook", "pusher": "spaceoneadmin", "tag": "v1.0.0", "is_private": "false",
		"media_type": "application/vnd.docker.distribution.manifest.v2+json",
	}
	if len(e.AdditionalInfo) != len(want) {
		t.Errorf("additional_info %v, want exactly %v", e.AdditionalInfo, want)
	}
	for k, v := range want {
		if e.AdditionalInfo[k] != v {
			t.Errorf("additional_info[%s] = %q, want %q", k, e.AdditionalInfo[k], v)
		}
	}
	// callback_url carries the hook's token: it must reach no field of the event.
	private := dockerOne(t, nil, dockerFixture(t, "docs-push-latest-private-trusted-dockerfile.json"))
	if private.AdditionalInfo["is_private"] != "true" {
		t.Errorf("is_private %q", private.AdditionalInfo["is_private"])
	}
	for k, v := range private.AdditionalInfo {
		if k == "callback_url" || v == "https://registry.hub.docker.com/u/svendowideit/testhook/hook/2141b5bi5i5b02bec211i4eeih0242eg11000a/" {
			t.Errorf("additional_info[%s] carries the callback URL", k)
		}
	}
}

func TestDockerHubPushedAtIsUTC(t *testing.T) {
	// Cloudforet's plugin read pushed_at in the container's zone; this one must not, whatever time.Local is.
	local := time.Local
	time.Local = time.FixedZone("KST", 9*3600)
	defer func() { time.Local = local }()

	tests := []struct {
		value any
		want  string
		kept  string // the unreadable value kept in additional_info.pushed_at
	}{
		{1417566161.0, "2014-12-03T00:22:41Z", ""},
		{"1417566161", "2014-12-03T00:22:41Z", ""},
		{" 1417566161 ", "2014-12-03T00:22:41Z", ""},
		{1709991285.873, "2024-03-09T13:34:45.873Z", ""},
		{"1709991285.5", "2024-03-09T13:34:45.5Z", ""},
		{0.0, "2026-01-02T03:04:05Z", "0"},
		{-5.0, "2026-01-02T03:04:05Z", "-5"},
		{1e12, "2026-01-02T03:04:05Z", "1000000000000"},
		{"2014-12-03T00:22:41Z", "2026-01-02T03:04:05Z", "2014-12-03T00:22:41Z"},
		{true, "2026-01-02T03:04:05Z", "true"},
		{nil, "2026-01-02T03:04:05Z", ""},
		{"absent", "2026-01-02T03:04:05Z", ""},
	}
	for _, tt := range tests {
		doc := dockerFixture(t, "docs-push-latest-private-trusted-dockerfile.json")
		if tt.value == "absent" {
			delete(dockerPush(doc), "pushed_at")
		} else {
			dockerPush(doc)["pushed_at"] = tt.value
		}
		e := dockerOne(t, nil, doc)
		if got := event.FormatTime(e.OccurredAt); got != tt.want {
			t.Errorf("pushed_at %v: occurred_at %s, want %s", tt.value, got, tt.want)
		}
		if got := e.AdditionalInfo["pushed_at"]; got != tt.kept {
			t.Errorf("pushed_at %v: additional_info.pushed_at %q, want %q", tt.value, got, tt.kept)
		}
	}
}

func TestDockerHubInvalidPayloads(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(doc map[string]any)
		field string
	}{
		{"push_data not an object", func(d map[string]any) { d["push_data"] = "x" }, "push_data"},
		{"push_data absent", func(d map[string]any) { delete(d, "push_data") }, "push_data"},
		{"repository null", func(d map[string]any) { d["repository"] = nil }, "repository"},
		{"no repository name", func(d map[string]any) {
			delete(dockerRepo(d), "repo_name")
			delete(dockerRepo(d), "name")
		}, "repository.repo_name"},
		{"empty repository name", func(d map[string]any) {
			dockerRepo(d)["repo_name"] = " "
			dockerRepo(d)["namespace"] = nil
		}, "repository.repo_name"},
	}
	for _, tt := range tests {
		doc := dockerFixture(t, "docs-push-latest-private-trusted-dockerfile.json")
		tt.edit(doc)
		_, err := sourcetest.Normalize(sourcetest.Options(t, map[string]any{"source": dockerhub.Name}), doc)
		var ip *sourcekit.InvalidPayloadError
		if !errors.As(err, &ip) || ip.Field != tt.field || ip.Source != dockerhub.Name {
			t.Errorf("%s: error %v, want field %s", tt.name, err, tt.field)
		}
	}
}
