{{/* The image reference: repository@digest, or repository:tag (tag defaults to appVersion). */}}
{{- define "hush.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object of a component: `include "hush.labels" (list $ "hush-webhook")`. */}}
{{- define "hush.labels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ index . 1 }}
app.kubernetes.io/part-of: hush
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/version: {{ $root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version }}
{{- with $root.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod labels: the selector label plus part-of (as in deploy/), and podLabels. */}}
{{- define "hush.podLabels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: {{ index . 1 }}
app.kubernetes.io/part-of: hush
{{- with index . 2 }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* The webhook's DNS name inside the cluster. */}}
{{- define "hush.webhookHost" -}}
{{- printf "hush-webhook.%s.svc" .Release.Namespace -}}
{{- end -}}

{{/* A CEL single-quoted string literal (as renderMatchConditions writes it). */}}
{{- define "hush.celString" -}}
'{{ . | replace `\` `\\` | replace `'` `\'` }}'
{{- end -}}

{{/* A CEL list of string literals. */}}
{{- define "hush.celList" -}}
[{{ range $i, $s := . }}{{ if $i }}, {{ end }}{{ include "hush.celString" $s }}{{ end }}]
{{- end -}}

{{/*
The webhook's matchConditions expression, generated from webhook.config the way
@hush/webhook's renderMatchConditions does (a test renders both and compares them): the API
server calls the webhook when any GitOps signal holds (an identity pattern as user or group,
a GitOps field manager in managedFields, or a Flux/Argo CD marker).
*/}}
{{- define "hush.matchExpression" -}}
{{- $c := .Values.webhook.config -}}
{{- $ids := $c.identities | default dict -}}
{{- $fms := $c.fieldManagers | default dict -}}
{{- $argo := $c.argocd | default dict -}}
{{- $patterns := list -}}
{{- $managers := list -}}
{{- range $t := list "argocd" "fluxKustomize" "fluxHelm" "other" -}}
{{- $patterns = concat $patterns (get $ids $t | default list) -}}
{{- $managers = concat $managers (get $fms $t | default list) -}}
{{- end -}}
{{- $patterns = concat $patterns ($argo.remoteIdentities | default list) | uniq -}}
{{- $managers = $managers | uniq -}}
{{- $tracking := $argo.tracking | default "annotation" -}}
{{- $labels := list "kustomize.toolkit.fluxcd.io/name" "kustomize.toolkit.fluxcd.io/namespace" "helm.toolkit.fluxcd.io/name" "helm.toolkit.fluxcd.io/namespace" -}}
{{- if ne $tracking "annotation" }}{{ $labels = append $labels ($argo.instanceLabelKey | default "app.kubernetes.io/instance") }}{{ end -}}
{{- $terms := list -}}
{{- if $patterns -}}
{{- $res := list -}}
{{- range $p := $patterns -}}
{{- $parts := list -}}
{{- range $part := splitList "*" $p -}}
{{- $parts = append $parts (regexReplaceAll `[\\^$.|?+()\[\]{}]` $part `\${0}`) -}}
{{- end -}}
{{- $res = append $res (join "[^:]*" $parts) -}}
{{- end -}}
{{- $re := include "hush.celString" (printf "^(%s)$" (join "|" $res)) -}}
{{- $terms = append $terms (printf "request.userInfo.username.matches(%s)" $re) -}}
{{- $terms = append $terms (printf "(has(request.userInfo.groups) && request.userInfo.groups.exists(g, g.matches(%s)))" $re) -}}
{{- end -}}
{{- if $managers -}}
{{- $terms = append $terms (printf "(has(object.metadata.managedFields) && object.metadata.managedFields.exists(m, has(m.manager) && m.manager in %s))" (include "hush.celList" $managers)) -}}
{{- end -}}
{{- $terms = append $terms (printf "(has(object.metadata.labels) && %s.exists(k, k in object.metadata.labels))" (include "hush.celList" $labels)) -}}
{{- if ne $tracking "label" -}}
{{- $terms = append $terms (printf "(has(object.metadata.annotations) && %s.exists(k, k in object.metadata.annotations))" (include "hush.celList" (list "argocd.argoproj.io/tracking-id"))) -}}
{{- end -}}
object != null && (
  {{ join " ||\n  " $terms }})
{{- end -}}

{{/* The IPv4 (false) or IPv6 (true) CIDRs of a list, as JSON: `include "hush.cidrs" (list $cidrs true)`. */}}
{{- define "hush.cidrs" -}}
{{- $v6 := index . 1 -}}
{{- $out := list -}}
{{- range (index . 0) -}}
{{- if eq (contains ":" .) $v6 }}{{ $out = append $out . }}{{ end -}}
{{- end -}}
{{- toJson $out -}}
{{- end -}}
