// Package dockerhub reads Docker Hub's repository webhook, which Docker Hub sends when an image is pushed.
package dockerhub

import (
	"crypto/md5" //nolint:gosec // Cloudforet's plugin keys pushes by MD5; kept so its open alerts still pair
	"embed"
	"encoding/hex"
	"strings"

	"github.com/monhook/monhook/domain/event"
	kit "github.com/monhook/monhook/domain/source/sourcekit"
)

// Name is the value of the source option that names this format.
const Name = "dockerhub"

//go:embed testdata/*.json
var testdata embed.FS

// Source is the format as the registry lists it.
var Source = kit.Source{Name: Name, Detect: isDockerHub, Parse: parseDockerHub, Examples: kit.Examples(testdata)}

// isDockerHub: a push notification is a push_data object beside a repository object, a pair no other source
// sends.
func isDockerHub(doc map[string]any) bool {
	_, push := doc["push_data"].(map[string]any)
	_, repo := doc["repository"].(map[string]any)
	return push && repo
}

func parseDockerHub(doc map[string]any, c *kit.Call) ([]kit.Alert, error) {
	push, ok := doc["push_data"].(map[string]any)
	if !ok {
		return nil, kit.Invalid(Name, "push_data", "is not an object")
	}
	repo, ok := doc["repository"].(map[string]any)
	if !ok {
		return nil, kit.Invalid(Name, "repository", "is not an object")
	}
	// repo_name is "<namespace>/<name>"; a body without it still names both halves.
	repoName := kit.Text(repo["repo_name"])
	if strings.TrimSpace(repoName) == "" {
		repoName = ""
		if ns, n := text(repo["namespace"]), text(repo["name"]); ns != "" && n != "" {
			repoName = ns + "/" + n
		}
	}
	if repoName == "" {
		return nil, kit.Invalid(Name, "repository.repo_name", "is missing or empty")
	}
	tag := kit.Text(push["tag"]) // older bodies have none: Cloudforet's plugin failed on them, this one keys them by ""

	a := kit.Alert{}
	a.Key = compatKey(repoName, tag)
	a.Type = event.Alert // a push is news, not a problem: nothing will resolve it
	a.Severity = event.Info
	a.SetTime("pushed_at", push["pushed_at"], kit.ReadEpochSeconds, c.Received)

	name, display := strings.TrimSpace(repoName), strings.TrimSpace(tag)
	resource := name
	if display != "" {
		a.Title = "New image tag(" + display + ") has been pushed to " + name
		resource = name + ":" + display
	} else {
		a.Title = "New image has been pushed to " + name
	}
	a.Description = a.Title
	if pusher := text(push["pusher"]); pusher != "" {
		a.Description += " by " + pusher
	}
	a.Resource = event.Resource{ID: text(repo["repo_url"]), Type: "dockerhub.repository", Name: resource}
	a.Provider = "dockerhub"
	a.Account = text(repo["namespace"])

	// callback_url is left out on purpose: it carries the hook's secret token.
	info := map[string]string{"repo_name": name}
	for _, k := range []string{"repo_url", "namespace", "is_private"} {
		kit.Put(info, k, repo[k])
	}
	for _, k := range []string{"pusher", "tag", "media_type"} {
		kit.Put(info, k, push[k])
	}
	a.AdditionalInfo = info
	return []kit.Alert{a}, nil
}

// compatKey is Cloudforet's plugin-dockerhub-mon-webhook key, md5 of "<repo_name>:<tag>" in hex, byte for byte,
// so that alerts it opened pair with the events of this source.
func compatKey(repoName, tag string) string {
	sum := md5.Sum([]byte(repoName + ":" + tag)) //nolint:gosec // a compatible key, not a secret
	return hex.EncodeToString(sum[:])
}

// text is a value of the body as trimmed text; null is "".
func text(v any) string { return strings.TrimSpace(kit.Text(v)) }
