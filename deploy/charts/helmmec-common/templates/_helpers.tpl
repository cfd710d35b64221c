{{/*
Names and labels, as `helm create` makes them, so that both charts name
their objects the same way.
*/}}
{{- define "helmmec.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "helmmec.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "helmmec.selectorLabels" -}}
app.kubernetes.io/name: {{ include "helmmec.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "helmmec.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "helmmec.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: helmmec
{{- end }}

{{- define "helmmec.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "helmmec.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "helmmec.image" -}}
{{- $repository := required "image.repository is required: the image built from deploy/docker/Dockerfile (see deploy/README.md)" .Values.image.repository }}
{{- printf "%s:%s" $repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
The Secret the backend's secret environment comes from: the one named by
secrets.existingSecret, or the chart's own.
*/}}
{{- define "helmmec.secretName" -}}
{{- default (include "helmmec.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* The Secret and key of the PostgreSQL password. */}}
{{- define "helmmec.postgresql.secretName" -}}
{{- default (include "helmmec.fullname" .) .Values.postgresql.existingSecret }}
{{- end }}

{{- define "helmmec.postgresql.passwordKey" -}}
{{- if .Values.postgresql.existingSecret }}
{{- .Values.postgresql.existingSecretPasswordKey }}
{{- else }}
{{- print "POSTGRES_PASSWORD" }}
{{- end }}
{{- end }}

{{/*
Checks the PostgreSQL settings: a host, a user, and a password either in
values or in an existing Secret.
*/}}
{{- define "helmmec.postgresql.validate" -}}
{{- $pg := .Values.postgresql }}
{{- $_ := required "postgresql.host is required: the PostgreSQL server of the backend (Backstage needs PostgreSQL in production)" $pg.host }}
{{- if not (or $pg.user (and $pg.existingSecret $pg.existingSecretUserKey)) }}
{{- fail "postgresql.user is required (or postgresql.existingSecretUserKey, the key of the user in postgresql.existingSecret)" }}
{{- end }}
{{- if not (or $pg.password $pg.existingSecret) }}
{{- fail "postgresql.password or postgresql.existingSecret is required: the PostgreSQL password, stored in a Secret" }}
{{- end }}
{{- if not (has $pg.pluginDivisionMode (list "database" "schema")) }}
{{- fail (printf "postgresql.pluginDivisionMode '%s' is not one of database, schema" $pg.pluginDivisionMode) }}
{{- end }}
{{- end }}

{{/*
The secret environment of the backend, from a chart's list of entries
(`env`, `value`, `required`, `what`): each becomes an environment variable
read from the Secret. A required entry without a value fails the rendering,
unless secrets.existingSecret names a Secret that holds it.
Call with (dict "root" $ "entries" $entries).
*/}}
{{- define "helmmec.secretEnv.validate" -}}
{{- if not .root.Values.secrets.existingSecret }}
{{- range .entries }}
{{- if and .required (not .value) }}
{{- fail (printf "%s is required (%s), or secrets.existingSecret naming a Secret with the key %s" .what .description .env) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{- define "helmmec.secretEnv.vars" -}}
{{- $root := .root }}
{{- range .entries }}
{{- if or $root.Values.secrets.existingSecret .value }}
- name: {{ .env }}
  valueFrom:
    secretKeyRef:
      name: {{ include "helmmec.secretName" $root }}
      key: {{ .env }}
      {{- if not .required }}
      optional: true
      {{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/*
The app-config layer of the chart: the chart's own settings (given as
`config`, YAML), with .Values.appConfig merged over them. Only references
such as ${MEC_API_TOKEN} stand for secrets here.
*/}}
{{- define "helmmec.appConfig" -}}
{{- $config := fromYaml .config }}
{{- if hasKey $config "Error" }}
{{- fail (printf "the chart's app-config does not parse: %s" (get $config "Error")) }}
{{- end }}
{{- toYaml (mergeOverwrite $config (deepCopy (default (dict) .root.Values.appConfig))) }}
{{- end }}

{{/* backend.database of the app-config layer. */}}
{{- define "helmmec.appConfig.database" -}}
{{- $pg := .Values.postgresql -}}
client: pg
pluginDivisionMode: {{ $pg.pluginDivisionMode }}
connection:
  host: ${POSTGRES_HOST}
  port: ${POSTGRES_PORT}
  user: ${POSTGRES_USER}
  password: ${POSTGRES_PASSWORD}
  {{- if $pg.database }}
  database: {{ $pg.database | quote }}
  {{- end }}
  {{- if $pg.ssl.enabled }}
  ssl:
    rejectUnauthorized: {{ $pg.ssl.rejectUnauthorized }}
    {{- if $pg.ssl.caSecret.name }}
    ca: ${POSTGRES_SSL_CA}
    {{- end }}
  {{- end }}
{{- end }}
