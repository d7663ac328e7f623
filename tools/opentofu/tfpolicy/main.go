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
//     count/for_each on var.managed_postgresql_enabled or var.managed_kafka_enabled;
//   - module calls (what `tofu validate` would say, for modules in this repository): every argument is a
//     variable the called module declares, every variable it requires is given, and every
//     module.NAME.OUTPUT names an output it declares;
//   - the Kubernetes API is reached only through modules/api-access: api_allowed_cidrs is an input with no
//     default, passed to module "api_access" with the master's visibility, and the security group rules
//     on 443/6443 take their sources from module.api_access.master_ingress_cidrs (the module refuses, at
//     plan time, addresses the operator's first apply could not come from);
//   - with -example (examples/*): no yandex resource rules, but the module calls and references above, and
//     the helm provider authenticates with Terraform's own credentials (data.yandex_client_config's
//     iam_token), never with an exec of the yc CLI, whose profile may be another identity or none.
//
// Usage: tfpolicy [-config fraudops.config.json] MODULE_DIR
//
//	tfpolicy -example EXAMPLE_DIR           the checks of a caller of the module (examples/*)
//	tfpolicy -defaults MODULE_DIR NAME...   prints NAME=default for each variable (for check.sh)
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
	modules   map[string]*hclsyntax.Block
	outputs   map[string]bool
	providers []*hclsyntax.Block
	resources map[string]*hclsyntax.Block // "type.name"
	data      map[string]bool             // "type.name"

	// children: module name => the parsed module it calls, for sources inside this repository.
	children map[string]*checker
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
	c.variables, c.locals, c.modules = map[string]*hclsyntax.Block{}, map[string]bool{}, map[string]*hclsyntax.Block{}
	c.outputs, c.resources, c.data = map[string]bool{}, map[string]*hclsyntax.Block{}, map[string]bool{}
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
				c.modules[block.Labels[0]] = block
			case "output":
				c.outputs[block.Labels[0]] = true
			case "provider":
				c.providers = append(c.providers, block)
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
			n, ok := name(1)
			if ok && c.modules[n] == nil {
				c.report(rng, "reference to undeclared module module.%s", n)
			} else if out, ok2 := name(2); ok && ok2 && c.children[n] != nil && !c.children[n].outputs[out] {
				c.report(rng, "reference to module.%s.%s, but %s declares no output %q", n, out, c.children[n].dir, out)
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

// --- module calls -------------------------------------------------------------------------------------------

var moduleMetaArguments = map[string]bool{"source": true, "version": true, "count": true, "for_each": true, "depends_on": true, "providers": true}

// loadChildren parses the modules called with a path inside the repository ("./", "../").
func (c *checker) loadChildren() {
	c.children = map[string]*checker{}
	for _, name := range sortedKeys(c.modules) {
		block := c.modules[name]
		src, ok := block.Body.Attributes["source"]
		if !ok {
			c.report(block.DefRange(), "module %s has no source", name)
			continue
		}
		val, diags := src.Expr.Value(nil)
		if diags.HasErrors() || !val.Type().Equals(cty.String) {
			c.report(src.SrcRange, "module %s: source must be a literal string", name)
			continue
		}
		path := val.AsString()
		if !strings.HasPrefix(path, "./") && !strings.HasPrefix(path, "../") {
			continue // a registry or git module: not checkable offline
		}
		child := &checker{dir: filepath.Clean(filepath.Join(c.dir, path)), schemas: c.schemas}
		if err := child.parse(); err != nil {
			c.report(src.SrcRange, "module %s: %v", name, err)
			continue
		}
		c.children[name] = child
	}
}

func (c *checker) checkModuleCalls() {
	for _, name := range sortedKeys(c.children) {
		block, child := c.modules[name], c.children[name]
		for _, arg := range sortedKeys(block.Body.Attributes) {
			if !moduleMetaArguments[arg] && child.variables[arg] == nil {
				c.report(block.Body.Attributes[arg].SrcRange, "module %s: argument %q is not a variable of %s (it declares: %s)", name, arg, child.dir, strings.Join(sortedKeys(child.variables), ", "))
			}
		}
		for _, v := range sortedKeys(child.variables) {
			if _, hasDefault := child.variables[v].Body.Attributes["default"]; !hasDefault {
				if _, given := block.Body.Attributes[v]; !given {
					c.report(block.DefRange(), "module %s: %s requires the variable %q (no default), which is not given", name, child.dir, v)
				}
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// --- the Kubernetes API's sources ----------------------------------------------------------------------------

func (c *checker) checkAPIAccess() {
	why := "the first apply reaches the API from the operator's machine; modules/api-access refuses at plan time the addresses it could not come from"
	v := c.variables["api_allowed_cidrs"]
	if v == nil {
		c.problems = append(c.problems, fmt.Sprintf("%s: variable api_allowed_cidrs is not declared (%s)", c.dir, why))
	} else if d, ok := v.Body.Attributes["default"]; ok {
		c.report(d.SrcRange, "variable api_allowed_cidrs has a default (%s); it must have none: the operator gives their own egress address (%s)", exprText(c, d.Expr), why)
	}
	call := c.modules["api_access"]
	if call == nil {
		c.problems = append(c.problems, fmt.Sprintf("%s: no module \"api_access\" (./modules/api-access) checks api_allowed_cidrs (%s)", c.dir, why))
	} else {
		wiring := [][2]string{{"source", `"./modules/api-access"`}, {"allowed_cidrs", "var.api_allowed_cidrs"}, {"allow_from_anywhere", "var.api_allowed_from_anywhere"}, {"public_endpoint", "var.master_public_ip"}}
		for _, w := range wiring {
			a, ok := call.Body.Attributes[w[0]]
			if !ok {
				c.report(call.DefRange(), "module.api_access: %s is not set; it must be %s (%s)", w[0], w[1], why)
			} else if got := exprText(c, a.Expr); got != w[1] {
				c.report(a.SrcRange, "module.api_access: %s = %s; it must be %s (%s)", w[0], got, w[1], why)
			}
		}
	}
	for _, block := range c.sortedResources() {
		if block.Labels[0] != "yandex_vpc_security_group" {
			continue
		}
		for _, rule := range nested(block.Body, "ingress") {
			port, ok := rule.Attributes["port"]
			if !ok {
				continue
			}
			if p := exprText(c, port.Expr); p != "443" && p != "6443" {
				continue
			}
			cidrs, ok := rule.Attributes["v4_cidr_blocks"]
			if !ok {
				continue
			}
			if got := exprText(c, cidrs.Expr); got != "module.api_access.master_ingress_cidrs" {
				c.report(cidrs.SrcRange, "yandex_vpc_security_group.%s: the Kubernetes API rule on port %s takes v4_cidr_blocks = %s; it must be module.api_access.master_ingress_cidrs (%s)", block.Labels[1], exprText(c, port.Expr), got, why)
			}
		}
	}
}

// --- examples: how the helm provider authenticates -----------------------------------------------------------

func (c *checker) checkHelmProvider() {
	why := "`yc k8s create-token` runs as the yc CLI's current profile, which may be another identity than Terraform's, or none"
	for _, p := range c.providers {
		if p.Labels[0] != "helm" {
			continue
		}
		attr, ok := p.Body.Attributes["kubernetes"]
		if !ok {
			c.report(p.DefRange(), "provider helm: no kubernetes = { ... } (helm provider 3.x); it must name the cluster's endpoint and token = data.yandex_client_config.<name>.iam_token")
			continue
		}
		obj, ok := attr.Expr.(*hclsyntax.ObjectConsExpr)
		if !ok {
			c.report(attr.SrcRange, "provider helm: kubernetes must be an object literal")
			continue
		}
		token := ""
		for _, item := range obj.Items {
			key := hcl.ExprAsKeyword(item.KeyExpr)
			if key == "" {
				if k, ok := item.KeyExpr.(*hclsyntax.ObjectConsKeyExpr); ok {
					key = hcl.ExprAsKeyword(k.Wrapped)
				}
			}
			switch key {
			case "exec":
				c.report(item.KeyExpr.Range(), "provider helm: kubernetes.exec authenticates through an external command (%s); use token = data.yandex_client_config.<name>.iam_token, the IAM token of Terraform's own credentials", why)
			case "config_path", "config_paths", "config_context":
				c.report(item.KeyExpr.Range(), "provider helm: kubernetes.%s reads a local kubeconfig, whose user may be another identity than Terraform's; use token = data.yandex_client_config.<name>.iam_token", key)
			case "token":
				token = exprText(c, item.ValueExpr)
			}
		}
		if !regexp.MustCompile(`^data\.yandex_client_config\.[A-Za-z0-9_-]+\.iam_token$`).MatchString(token) {
			got := "no token"
			if token != "" {
				got = "token = " + token
			}
			c.report(attr.SrcRange, "provider helm: kubernetes has %s; it must be token = data.yandex_client_config.<name>.iam_token, so that the helm releases run as the identity that created the cluster", got)
		}
	}
}

func main() {
	configPath := flag.String("config", "", "fraudops.config.json, for the Kubernetes version")
	defaults := flag.Bool("defaults", false, "print NAME=default for the variables named after the module directory")
	example := flag.Bool("example", false, "check a caller of the module (examples/*): module calls, references, the helm provider's credentials")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: tfpolicy [-config fraudops.config.json] MODULE_DIR\n       tfpolicy -example EXAMPLE_DIR\n       tfpolicy -defaults MODULE_DIR NAME...\n")
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
	c.loadChildren()
	c.checkArguments()
	c.checkReferences()
	c.checkIAM()
	c.checkModuleCalls()
	if *example {
		c.checkHelmProvider()
	} else {
		c.checkKubernetes(*configPath)
		c.checkOptionalServices()
		c.checkAPIAccess()
	}
	if len(c.problems) > 0 {
		sort.Strings(c.problems)
		for _, p := range c.problems {
			fmt.Fprintln(os.Stderr, p)
		}
		fmt.Fprintf(os.Stderr, "tfpolicy: %d problem(s) in %s\n", len(c.problems), c.dir)
		os.Exit(1)
	}
	if *example {
		fmt.Printf("tfpolicy: %s: references, module calls (%s) and the helm provider's credentials ok\n", c.dir, strings.Join(sortedKeys(c.children), ", "))
		return
	}
	fmt.Printf("tfpolicy: %s: %d yandex resources checked against the documented arguments of the yandex provider; references, module calls, IAM members, pinned version, private nodes, optional services and the API's sources ok\n", c.dir, c.countYandex())
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
