package e2e_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The request fields of repository.Plugin.register (cloudforet-io/api, proto/spaceone/api/repository/v1/
// plugin.proto): RegisterPluginRequest in Cloudforet 2.x, CreatePluginRequest in 1.x. cfctl and spacectl build the
// request from the file with ParseDict, which refuses any other key.
var (
	registerFields2x = []string{"name", "resource_type", "image", "provider", "registry_type", "registry_config",
		"capability", "labels", "tags", "plugin_id", "docs"}
	registerFields1x = []string{"name", "service_type", "image", "provider", "registry_type", "registry_config",
		"capability", "template", "labels", "tags", "project_id", "domain_id"}
	registryTypes2x = []string{"DOCKER_HUB", "AWS_PRIVATE_ECR", "HARBOR", "GITHUB", "GCP_PRIVATE_GCR"}
	registryTypes1x = []string{"DOCKER_HUB", "AWS_PUBLIC_ECR", "HARBOR"}
)

// imageName is the repository service's rule for an image's last path segment (MAX_IMAGE_NAME_LENGTH 48).
var imageName = regexp.MustCompile(`^[a-zA-Z0-9-]{1,48}$`)

func readRegistration(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return doc
}

// checkImage holds what both versions need of image: a path without the registry host (the supervisor prefixes
// REGISTRY_INFO's url) and without a tag (the registry's tags are the versions), ending in a name the repository
// service accepts.
func checkImage(t *testing.T, image string) {
	t.Helper()
	segs := strings.Split(image, "/")
	if first := segs[0]; len(segs) > 1 && (strings.ContainsAny(first, ".:") || first == "localhost") {
		t.Errorf("image %q names a registry host; Cloudforet adds its own", image)
	}
	last := segs[len(segs)-1]
	if strings.ContainsAny(last, ":@") {
		t.Errorf("image %q has a tag or digest; Cloudforet lists the tags as versions", image)
	}
	if !imageName.MatchString(last) {
		t.Errorf("image name %q: the repository service wants at most 48 letters, digits and '-'", last)
	}
}

// check2x holds a registration file to Cloudforet 2.x's RegisterPluginRequest and the repository service's rules,
// and returns its document.
func check2x(t *testing.T, path string) map[string]any {
	t.Helper()
	doc := readRegistration(t, path)
	for k := range doc {
		if !slices.Contains(registerFields2x, k) {
			t.Errorf("%s: key %q is not a field of Cloudforet 2.x's RegisterPluginRequest", path, k)
		}
	}
	for _, k := range []string{"name", "resource_type", "image", "provider", "registry_type", "capability", "labels", "tags"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("%s: no %q", path, k)
		}
	}
	// The plugin service calls the part after the dot by short name (plugin_service.py, _get_plugin_api_class);
	// Cloudforet's console lists the plugins of a monitoring webhook, and of an Alert Manager webhook, by
	// monitoring.Webhook (alert-manager/v2/components/WebhookCreateTypeSelector.vue).
	if doc["resource_type"] != "monitoring.Webhook" {
		t.Errorf("%s: resource_type %v, want monitoring.Webhook", path, doc["resource_type"])
	}
	if rt, _ := doc["registry_type"].(string); !slices.Contains(registryTypes2x, rt) {
		t.Errorf("%s: registry_type %q is not one of %v", path, rt, registryTypes2x)
	}
	image, _ := doc["image"].(string)
	checkImage(t, image)
	// The monitoring service keeps a webhook's plugin_id in 40 characters.
	id, _ := doc["plugin_id"].(string)
	if id == "" {
		id = image[strings.LastIndex(image, "/")+1:]
	}
	if len(id) > 40 {
		t.Errorf("%s: plugin_id %q is longer than the 40 characters a webhook stores", path, id)
	}
	tags, _ := doc["tags"].(map[string]any)
	if icon, _ := tags["icon"].(string); !strings.HasPrefix(icon, "https://") {
		t.Errorf("%s: tags.icon %q: the console shows the plugin with it", path, icon)
	}
	if _, ok := doc["labels"].([]any); !ok {
		t.Errorf("%s: labels %v is not a list", path, doc["labels"])
	}
	return doc
}

func TestRegistrationFileIsCloudforet2xShaped(t *testing.T) {
	check2x(t, "../configs/register_plugin.yaml")
}

// TestAlertManagerRegistrationFileIsItsOwnPlugin: the Alert Manager's image is registered as a plugin of its own,
// beside the monitoring one: another plugin_id, another name, and another image, so that neither plugin lists the
// other's tags among its versions (a webhook with upgrade_mode AUTO moves to the newest).
func TestAlertManagerRegistrationFileIsItsOwnPlugin(t *testing.T) {
	am := check2x(t, "../configs/register_plugin_alert_manager.yaml")
	mon := readRegistration(t, "../configs/register_plugin.yaml")
	for _, k := range []string{"plugin_id", "name", "image"} {
		if am[k] == mon[k] {
			t.Errorf("%s %q is the monitoring plugin's too", k, am[k])
		}
	}
	if labels, _ := am["labels"].([]any); !slices.Contains(labels, any("Alert Manager")) {
		t.Errorf("labels %v do not say the plugin is for the Alert Manager", labels)
	}
}

func TestRegistrationFileFor1xIsCloudforet1xShaped(t *testing.T) {
	doc := readRegistration(t, "../configs/register_plugin_v1.yaml")
	for k := range doc {
		if !slices.Contains(registerFields1x, k) {
			t.Errorf("key %q is not a field of Cloudforet 1.x's CreatePluginRequest", k)
		}
	}
	if doc["service_type"] != "monitoring.Webhook" {
		t.Errorf("service_type %v, want monitoring.Webhook", doc["service_type"])
	}
	if rt, _ := doc["registry_type"].(string); !slices.Contains(registryTypes1x, rt) {
		t.Errorf("registry_type %q is not one of %v", rt, registryTypes1x)
	}
	image, _ := doc["image"].(string)
	checkImage(t, image)
}
