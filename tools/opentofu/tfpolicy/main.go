// Command tfpolicy checks deploy/terraform offline where no provider schema is available: the yandex
// provider cannot be installed from the registries this project uses, so `tofu validate` cannot run
// on the root module here. tfpolicy parses the module with HCL (the parser OpenTofu uses) and checks:
//
//   - arguments: every argument and nested block of a yandex_* resource is one the provider documents
//     (yandex-arguments.txt, taken from the provider's documentation, not its schema);
//   - references: every var., local., module., data. and resource reference names something declared;
//   - IAM: roles are granted by *_iam_member resources only, never by authoritative bindings/policies;
//   - the Kubernetes version: master and nodes use var.kubernetes_version, whose default equals
//     fraudops.config.json's cloud.kubernetesVersion;
//   - nodes get no public address unless asked: nat is var.node_public_ip, default false;
//   - optional managed services exist only when switched on: every yandex_mdb_* resource has a
//     count/for_each on var.managed_postgresql_enabled or var.managed_kafka_enabled.
//
// Usage: tfpolicy [-config fraudops.config.json] MODULE_DIR
//
//	tfpolicy -defaults NAME... MODULE_DIR   prints NAME=default for each variable (for check.sh)
package main

import (
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

//go:embed yandex-arguments.txt
var yandexArguments string

type schemaNode struct {
	attrs  map[string]bool
	blocks map[string]bool
}

// schemas: "type" or "type.block.block" => its arguments and blocks.
func loadSchemas() map[string]*schemaNode {
	out := map[string]*schemaNode{}
	for _, line := range strings.Split(yandexArguments, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[0] != "resource" {
			continue
		}
		node := &schemaNode{attrs: map[string]bool{}, blocks: map[string]bool{}}
		for _, f := range fields[2:] {
			if strings.HasSuffix(f, "{}") {
				node.blocks[strings.TrimSuffix(f, "{}")] = true
			} else {
				node.attrs[f] = true
			}
		}
		out[fields[1]] = node
	}
	return out
}

var metaArguments = map[string]bool{"count": true, "for_each": true, "depends_on": true, "provider": true}
var metaBlocks = map[string]bool{"lifecycle": true, "provisioner": true, "connection": true}

type checker struct {
	dir      string
	files    map[string]*hclsyntax.Body
	schemas  map[string]*schemaNode
	problems []string

	variables map[string]*hclsyntax.Block
	locals    map[string]bool
	modules   map[string]bool
	resources map[string]*hclsyntax.Block // "type.name"
	data      map[string]bool             // "type.name"
}

func (c *checker) report(rng hcl.Range, format string, args ...any) {
	c.problems = append(c.problems, fmt.Sprintf("%s:%d: %s", filepath.Join(c.dir, filepath.Base(rng.Filename)), rng.Start.Line, fmt.Sprintf(format, args...)))
}

func (c *checker) parse() error {
	paths, err := filepath.Glob(filepath.Join(c.dir, "*.tf"))
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return fmt.Errorf("no .tf files in %s", c.dir)
	}
	sort.Strings(paths)
	c.files = map[string]*hclsyntax.Body{}
	for _, path := range paths {
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		file, diags := hclsyntax.ParseConfig(src, path, hcl.Pos{Line: 1, Column: 1})
		if diags.HasErrors() {
			return fmt.Errorf("%s", diags.Error())
		}
		c.files[path] = file.Body.(*hclsyntax.Body)
	}
	c.variables, c.locals, c.modules = map[string]*hclsyntax.Block{}, map[string]bool{}, map[string]bool{}
	c.resources, c.data = map[string]*hclsyntax.Block{}, map[string]bool{}
	for _, body := range c.sortedBodies() {
		for _, block := range body.Blocks {
			switch block.Type {
			case "variable":
				c.variables[block.Labels[0]] = block
			case "locals":
				for name := range block.Body.Attributes {
					c.locals[name] = true
				}
			case "module":
				c.modules[block.Labels[0]] = true
			case "resource":
				c.resources[block.Labels[0]+"."+block.Labels[1]] = block
			case "data":
				c.data[block.Labels[0]+"."+block.Labels[1]] = true
			}
		}
	}
	return nil
}

func (c *checker) sortedBodies() []*hclsyntax.Body {
	var names []string
	for name := range c.files {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []*hclsyntax.Body
	for _, name := range names {
		out = append(out, c.files[name])
	}
	return out
}

// --- arguments of yandex resources ---------------------------------------------------------------------------

func (c *checker) checkArguments() {
	for _, block := range c.sortedResources() {
		typ := block.Labels[0]
		if !strings.HasPrefix(typ, "yandex_") || authoritativeIAM.MatchString(typ) {
			continue // not the yandex provider's, or refused by checkIAM with a better message
		}
		if _, ok := c.schemas[typ]; !ok {
			c.report(block.DefRange(), "resource type %s is not in the yandex provider's documented resources this check knows (tools/opentofu/tfpolicy/yandex-arguments.txt): misspelt, or add its arguments there from the provider's documentation", typ)
			continue
		}
		c.checkBody(typ, block.Labels[0]+"."+block.Labels[1], typ, block.Body, true)
	}
}

func (c *checker) sortedResources() []*hclsyntax.Block {
	var keys []string
	for k := range c.resources {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []*hclsyntax.Block
	for _, k := range keys {
		out = append(out, c.resources[k])
	}
	return out
}

func (c *checker) checkBody(typ, address, path string, body *hclsyntax.Body, top bool) {
	node := c.schemas[path]
	where := strings.TrimPrefix(strings.TrimPrefix(path, typ), ".")
	if where != "" {
		where = " in " + where
	}
	for name, attr := range body.Attributes {
		if top && metaArguments[name] {
			continue
		}
		if !node.attrs[name] {
			hint := ""
			if node.blocks[name] {
				hint = fmt.Sprintf(" (%s is a block: write %s { ... })", name, name)
			}
			c.report(attr.SrcRange, "%s: unknown argument %q%s%s; the yandex provider documents: %s", address, name, where, hint, describe(node))
		}
	}
	for _, inner := range body.Blocks {
		name, content := inner.Type, inner.Body
		if top && metaBlocks[name] {
			continue
		}
		if name == "dynamic" {
			name = inner.Labels[0]
			content = nil
			for _, b := range inner.Body.Blocks {
				if b.Type == "content" {
					content = b.Body
				}
			}
		}
		if !node.blocks[name] {
			hint := ""
			if node.attrs[name] {
				hint = fmt.Sprintf(" (%s is an argument: write %s = ...)", name, name)
			}
			c.report(inner.DefRange(), "%s: unknown block %q%s%s; the yandex provider documents: %s", address, name, where, hint, describe(node))
			continue
		}
		if content != nil {
			c.checkBody(typ, address, path+"."+name, content, false)
		}
	}
}

func describe(node *schemaNode) string {
	var names []string
	for a := range node.attrs {
		names = append(names, a)
	}
	for b := range node.blocks {
		names = append(names, b+" {}")
	}
	sort.Strings(names)
	if len(names) == 0 {
		return "(nothing: an empty block)"
	}
	return strings.Join(names, ", ")
}

// --- references ----------------------------------------------------------------------------------------------

var builtinRoots = map[string]bool{"path": true, "terraform": true, "count": true, "each": true, "self": true, "tofu": true}

func (c *checker) checkReferences() {
	for _, body := range c.sortedBodies() {
		c.walkReferences(body, map[string]bool{})
	}
}

func (c *checker) walkReferences(body *hclsyntax.Body, iterators map[string]bool) {
	for _, attr := range body.Attributes {
		c.checkExpr(attr.Expr, iterators)
	}
	for _, block := range body.Blocks {
		scope := iterators
		if block.Type == "dynamic" {
			scope = map[string]bool{}
			for k := range iterators {
				scope[k] = true
			}
			scope[block.Labels[0]] = true
			if it, ok := block.Body.Attributes["iterator"]; ok {
				if name := hcl.ExprAsKeyword(it.Expr); name != "" {
					scope[name] = true
				}
			}
		}
		if block.Type == "variable" {
			// A variable's validation may only name itself; its type and default have no references.
			continue
		}
		c.walkReferences(block.Body, scope)
	}
}

func (c *checker) checkExpr(expr hclsyntax.Expression, iterators map[string]bool) {
	for _, traversal := range hclsyntax.Variables(expr) {
		root := traversal.RootName()
		if builtinRoots[root] || iterators[root] {
			continue
		}
		name := func(i int) (string, bool) {
			if len(traversal) <= i {
				return "", false
			}
			if a, ok := traversal[i].(hcl.TraverseAttr); ok {
				return a.Name, true
			}
			return "", false
		}
		rng := traversal.SourceRange()
		switch root {
		case "var":
			if n, ok := name(1); ok && c.variables[n] == nil {
				c.report(rng, "reference to undeclared variable var.%s", n)
			}
		case "local":
			if n, ok := name(1); ok && !c.locals[n] {
				c.report(rng, "reference to undeclared local value local.%s", n)
			}
		case "module":
			if n, ok := name(1); ok && !c.modules[n] {
				c.report(rng, "reference to undeclared module module.%s", n)
			}
		case "data":
			t, ok1 := name(1)
			n, ok2 := name(2)
			if ok1 && ok2 && !c.data[t+"."+n] {
				c.report(rng, "reference to undeclared data source data.%s.%s", t, n)
			}
		default:
			if n, ok := name(1); ok && strings.Contains(root, "_") {
				if c.resources[root+"."+n] == nil {
					c.report(rng, "reference to undeclared resource %s.%s", root, n)
				}
			} else {
				c.report(rng, "reference to unknown name %q", root)
			}
		}
	}
}

// --- project rules -------------------------------------------------------------------------------------------

var authoritativeIAM = regexp.MustCompile(`_iam_(binding|policy|policy_binding)$`)

func (c *checker) checkIAM() {
	for _, block := range c.sortedResources() {
		typ := block.Labels[0]
		if authoritativeIAM.MatchString(typ) {
			member := authoritativeIAM.ReplaceAllString(typ, "_iam_member")
			c.report(block.DefRange(), "%s.%s: roles must be granted as members, never by an authoritative binding or policy (it would revoke every other grant of that role); use %s", typ, block.Labels[1], member)
		}
	}
}

func exprText(c *checker, expr hclsyntax.Expression) string {
	rng := expr.Range()
	for path := range c.files {
		if path == rng.Filename {
			src, _ := os.ReadFile(path)
			return strings.TrimSpace(string(rng.SliceBytes(src)))
		}
	}
	return ""
}

func (c *checker) variableDefault(name string) (cty.Value, bool) {
	v := c.variables[name]
	if v == nil {
		return cty.NilVal, false
	}
	attr, ok := v.Body.Attributes["default"]
	if !ok {
		return cty.NilVal, false
	}
	val, diags := attr.Expr.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return val, true
}

func nested(body *hclsyntax.Body, path ...string) []*hclsyntax.Body {
	bodies := []*hclsyntax.Body{body}
	for _, step := range path {
		var next []*hclsyntax.Body
		for _, b := range bodies {
			for _, inner := range b.Blocks {
				if inner.Type == step {
					next = append(next, inner.Body)
				}
				if inner.Type == "dynamic" && inner.Labels[0] == step {
					for _, content := range inner.Body.Blocks {
						if content.Type == "content" {
							next = append(next, content.Body)
						}
					}
				}
			}
		}
		bodies = next
	}
	return bodies
}

func (c *checker) requireExpr(block *hclsyntax.Block, body *hclsyntax.Body, attr, want, why string) {
	address := block.Labels[0] + "." + block.Labels[1]
	a, ok := body.Attributes[attr]
	if !ok {
		c.report(body.SrcRange, "%s: %s is not set; it must be %s (%s)", address, attr, want, why)
		return
	}
	if got := exprText(c, a.Expr); got != want {
		c.report(a.SrcRange, "%s: %s = %s; it must be %s (%s)", address, attr, got, want, why)
	}
}

func (c *checker) checkKubernetes(configPath string) {
	why := "the Kubernetes version is pinned in one place"
	clusters, groups := 0, 0
	for _, block := range c.sortedResources() {
		switch block.Labels[0] {
		case "yandex_kubernetes_cluster":
			clusters++
			masters := nested(block.Body, "master")
			if len(masters) != 1 {
				c.report(block.DefRange(), "%s.%s: needs one master block with the pinned version", block.Labels[0], block.Labels[1])
				continue
			}
			c.requireExpr(block, masters[0], "version", "var.kubernetes_version", why)
		case "yandex_kubernetes_node_group":
			groups++
			c.requireExpr(block, block.Body, "version", "var.kubernetes_version", why)
			nat := "nodes get no public address unless asked"
			for _, tmpl := range nested(block.Body, "instance_template") {
				if a, ok := tmpl.Attributes["nat"]; ok && exprText(c, a.Expr) != "var.node_public_ip" {
					c.report(a.SrcRange, "%s.%s: instance_template.nat must be var.node_public_ip or absent (%s)", block.Labels[0], block.Labels[1], nat)
				}
			}
			for _, ni := range nested(block.Body, "instance_template", "network_interface") {
				if a, ok := ni.Attributes["nat"]; ok && exprText(c, a.Expr) != "var.node_public_ip" {
					c.report(a.SrcRange, "%s.%s: network_interface.nat = %s; it must be var.node_public_ip (%s)", block.Labels[0], block.Labels[1], exprText(c, a.Expr), nat)
				}
			}
			if d, ok := c.variableDefault("node_public_ip"); !ok || !d.Type().Equals(cty.Bool) || d.True() {
				c.report(c.variables["node_public_ip"].DefRange(), "variable node_public_ip must default to false (nodes get no public address unless asked)")
			}
			autos := nested(block.Body, "scale_policy", "auto_scale")
			if len(autos) != 1 {
				c.report(block.DefRange(), "%s.%s: the node group must autoscale (scale_policy { auto_scale { ... } })", block.Labels[0], block.Labels[1])
			} else {
				c.requireExpr(block, autos[0], "max", "module.node_sizing.max_nodes", "the maximum is checked against the documented need in modules/node-sizing")
			}
		}
	}
	if clusters == 0 || groups == 0 {
		c.problems = append(c.problems, fmt.Sprintf("%s: expected a yandex_kubernetes_cluster and a yandex_kubernetes_node_group", c.dir))
	}
	if configPath == "" {
		return
	}
	raw, err := os.ReadFile(configPath)
	if err != nil {
		c.problems = append(c.problems, fmt.Sprintf("reading %s: %v", configPath, err))
		return
	}
	var config struct {
		Cloud struct {
			KubernetesVersion string `json:"kubernetesVersion"`
		} `json:"cloud"`
	}
	if err := json.Unmarshal(raw, &config); err != nil || config.Cloud.KubernetesVersion == "" {
		c.problems = append(c.problems, fmt.Sprintf("%s: no cloud.kubernetesVersion", configPath))
		return
	}
	def, ok := c.variableDefault("kubernetes_version")
	if !ok || !def.Type().Equals(cty.String) {
		c.problems = append(c.problems, fmt.Sprintf("%s: variable kubernetes_version needs a literal string default", c.dir))
		return
	}
	if def.AsString() != config.Cloud.KubernetesVersion {
		c.report(c.variables["kubernetes_version"].Body.Attributes["default"].SrcRange,
			"variable kubernetes_version defaults to %q but %s says cloud.kubernetesVersion = %q: the config is the one source, change both together",
			def.AsString(), configPath, config.Cloud.KubernetesVersion)
	}
}

func (c *checker) checkOptionalServices() {
	switches := map[string]string{"postgresql": "var.managed_postgresql_enabled", "kafka": "var.managed_kafka_enabled"}
	for _, block := range c.sortedResources() {
		typ, name := block.Labels[0], block.Labels[1]
		for service, flag := range switches {
			if !(strings.HasPrefix(typ, "yandex_mdb_"+service) || (strings.HasPrefix(typ, "yandex_") && name == service)) {
				continue
			}
			text := ""
			for _, meta := range []string{"count", "for_each"} {
				if a, ok := block.Body.Attributes[meta]; ok {
					text = exprText(c, a.Expr)
				}
			}
			if !strings.Contains(text, flag) {
				c.report(block.DefRange(), "%s.%s: the optional managed %s must exist only when switched on: give it count or for_each on %s", typ, name, service, flag)
			}
		}
	}
}

func main() {
	configPath := flag.String("config", "", "fraudops.config.json, for the Kubernetes version")
	defaults := flag.Bool("defaults", false, "print NAME=default for the variables named after the module directory")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: tfpolicy [-config fraudops.config.json] MODULE_DIR\n       tfpolicy -defaults MODULE_DIR NAME...\n")
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	c := &checker{dir: flag.Arg(0), schemas: loadSchemas()}
	if err := c.parse(); err != nil {
		fmt.Fprintf(os.Stderr, "tfpolicy: %v\n", err)
		os.Exit(1)
	}
	if *defaults {
		for _, name := range flag.Args()[1:] {
			v, ok := c.variableDefault(name)
			if !ok || !v.IsKnown() || v.IsNull() || !(v.Type().Equals(cty.Number) || v.Type().Equals(cty.String) || v.Type().Equals(cty.Bool)) {
				fmt.Fprintf(os.Stderr, "tfpolicy: variable %s has no literal number, string or bool default\n", name)
				os.Exit(1)
			}
			switch {
			case v.Type().Equals(cty.Number):
				fmt.Printf("%s=%s\n", name, v.AsBigFloat().Text('f', -1))
			case v.Type().Equals(cty.String):
				fmt.Printf("%s=%s\n", name, v.AsString())
			default:
				fmt.Printf("%s=%t\n", name, v.True())
			}
		}
		return
	}
	c.checkArguments()
	c.checkReferences()
	c.checkIAM()
	c.checkKubernetes(*configPath)
	c.checkOptionalServices()
	if len(c.problems) > 0 {
		sort.Strings(c.problems)
		for _, p := range c.problems {
			fmt.Fprintln(os.Stderr, p)
		}
		fmt.Fprintf(os.Stderr, "tfpolicy: %d problem(s) in %s\n", len(c.problems), c.dir)
		os.Exit(1)
	}
	fmt.Printf("tfpolicy: %s: %d yandex resources checked against the documented arguments of the yandex provider; references, IAM members, pinned version, private nodes and optional services ok\n", c.dir, c.countYandex())
}

func (c *checker) countYandex() int {
	n := 0
	for _, b := range c.resources {
		if strings.HasPrefix(b.Labels[0], "yandex_") {
			n++
		}
	}
	return n
}
