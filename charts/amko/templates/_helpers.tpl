{{/* Labels on every object of the release. */}}
{{- define "amko.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "amko.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels that select the amko pod. */}}
{{- define "amko.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/*
"true" when this release runs single-site: memberClusters is this cluster alone and federation is
not plaintext. amko then gets no --tls-* flags, mounts no certificate and opens no federation
listener; only the health port serves.
*/}}
{{- define "amko.singleSite" -}}
{{- $fed := .Values.federation -}}
{{- if and (not $fed.insecure) (eq (len $fed.memberClusters) 1) -}}true{{- end -}}
{{- end -}}

{{/* "true" when amko mounts the federation certificate Secret. */}}
{{- define "amko.federationTls" -}}
{{- if not (or .Values.federation.insecure (include "amko.singleSite" .)) -}}true{{- end -}}
{{- end -}}

{{- define "amko.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/*
Checks the values once, so that a mistake fails the rendering with a message naming the value
instead of producing objects that amko or the API server refuse later.
*/}}
{{- define "amko.validate" -}}
{{- if ne .Release.Namespace "avi-system" -}}
{{- fail (printf "amko must be installed in the avi-system namespace (got %q): use --namespace avi-system" .Release.Namespace) -}}
{{- end -}}
{{- $fed := .Values.federation -}}
{{- if not $fed.currentCluster -}}
{{- fail "federation.currentCluster must name this cluster's kubeconfig context" -}}
{{- end -}}
{{- if not (has $fed.currentCluster $fed.memberClusters) -}}
{{- fail (printf "federation.currentCluster %q must be one of federation.memberClusters %v" $fed.currentCluster $fed.memberClusters) -}}
{{- end -}}
{{- range $i, $e := $fed.endpoints -}}
{{- if or (not $e.cluster) (not $e.address) -}}
{{- fail (printf "federation.endpoints[%d] needs both cluster and address (host:port)" $i) -}}
{{- end -}}
{{- if eq $e.cluster $fed.currentCluster -}}
{{- fail (printf "federation.endpoints[%d] names this cluster (%s); list only the other members" $i $e.cluster) -}}
{{- end -}}
{{- if not (has $e.cluster $fed.memberClusters) -}}
{{- fail (printf "federation.endpoints[%d].cluster %q is not one of federation.memberClusters" $i $e.cluster) -}}
{{- end -}}
{{- if not (regexMatch "^[^\\s]+:[0-9]{1,5}$" $e.address) -}}
{{- fail (printf "federation.endpoints[%d].address %q must be host:port" $i $e.address) -}}
{{- end -}}
{{- end -}}
{{- if not (has $fed.standby (list "hot" "cold")) -}}
{{- fail (printf "federation.standby must be hot or cold, got %q" $fed.standby) -}}
{{- end -}}
{{- if and (include "amko.federationTls" .) (not $fed.tls.secretName) -}}
{{- fail "federation.tls.secretName is required unless federation.insecure is true or federation.memberClusters is this cluster alone (single-site)" -}}
{{- end -}}
{{- $uuid := .Values.configs.amkoUUID | default "" | toString -}}
{{- if and $uuid (ne (len $uuid) 36) -}}
{{- fail (printf "configs.amkoUUID must be 36 characters long (a UUID such as 6f1c2d3e-4a5b-11ef-9c8d-0242ac120002), got %d characters: %q" (len $uuid) $uuid) -}}
{{- end -}}
{{- if and $uuid (not (regexMatch "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" $uuid)) -}}
{{- fail (printf "configs.amkoUUID must be a UUID (8-4-4-4-12 hexadecimal digits), got %q" $uuid) -}}
{{- end -}}
{{- $cred := .Values.gslbLeaderCredentials -}}
{{- if and (or $cred.username $cred.password) (not (and $cred.username $cred.password)) -}}
{{- fail "gslbLeaderCredentials needs both username and password (or neither, to bring your own gslb-avi-secret)" -}}
{{- end -}}
{{- end -}}
