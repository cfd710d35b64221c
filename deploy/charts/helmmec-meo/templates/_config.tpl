{{/*
The secret environment of the MEO: each entry becomes a variable from the
Secret (see helmmec.secretEnv.vars); required ones fail the rendering when
missing.
*/}}
{{- define "helmmec-meo.secretEntries" -}}
{{- $s := .Values.secrets -}}
- env: MEC_API_TOKEN
  value: {{ $s.apiToken | quote }}
  required: true
  what: secrets.apiToken
  description: the bearer token of OSS clients, subject mec-api-client
- env: MEC_EDGE_PULL_TOKEN
  value: {{ $s.edgePullToken | quote }}
  required: true
  what: secrets.edgePullToken
  description: the token edge clusters pull charts with, subject mec-edge-pull
- env: MEC_ENCRYPTION_KEY
  value: {{ $s.encryptionKey | quote }}
  required: true
  what: secrets.encryptionKey
  description: the key of secrets at rest, openssl rand -base64 32
- env: MEC_MEPM_NOTIFY_TOKEN
  value: {{ $s.mepmNotifyToken | quote }}
  required: true
  what: secrets.mepmNotifyToken
  description: the token MEPMs post lifecycle notifications to this MEO with
- env: MEC_MEPM_TOKEN
  value: {{ $s.mepmToken | quote }}
  required: {{ .Values.mepms.staticToken.enabled }}
  what: secrets.mepmToken
  description: the token MEPMs present to this MEO, as mepms.staticToken.enabled is true
- env: MEC_PREVIOUS_ENCRYPTION_KEY
  value: {{ $s.previousEncryptionKey | quote }}
  required: {{ not (empty .Values.encryptionKeys.previousId) }}
  what: secrets.previousEncryptionKey
  description: the key being rotated out, as encryptionKeys.previousId is set
{{- end }}

{{/* The chart's app-config layer: no secret values, only ${VARIABLE}s. */}}
{{- define "helmmec-meo.config" -}}
{{- $baseUrl := trimSuffix "/" .Values.baseUrl -}}
{{- $appBaseUrl := trimSuffix "/" (default $baseUrl .Values.appBaseUrl) -}}
app:
  baseUrl: {{ $appBaseUrl | quote }}
# Production and the permission framework whatever the image's config
# files say: the mec plugin then fails closed on development settings.
auth:
  environment: production
permission:
  enabled: true
backend:
  baseUrl: {{ $baseUrl | quote }}
  listen:
    host: 0.0.0.0
    port: 7007
  cors:
    origin: {{ $appBaseUrl | quote }}
  database:
    {{- include "helmmec.appConfig.database" . | nindent 4 }}
  auth:
    externalAccess:
      - type: static
        options:
          token: ${MEC_API_TOKEN}
          subject: mec-api-client
        accessRestrictions:
          - plugin: mec
      - type: static
        options:
          token: ${MEC_EDGE_PULL_TOKEN}
          subject: mec-edge-pull
        accessRestrictions:
          - plugin: mec
      # MEPMs posting lifecycle notifications (mec.mepms.notificationToken).
      - type: static
        options:
          token: ${MEC_MEPM_NOTIFY_TOKEN}
          subject: mec-mepm-notify
        accessRestrictions:
          - plugin: mec
      {{- if .Values.mepms.staticToken.enabled }}
      - type: static
        options:
          token: ${MEC_MEPM_TOKEN}
          subject: mec-mepm
        accessRestrictions:
          - plugin: mec
      {{- end }}
      {{- with .Values.extraExternalAccess }}
      {{- toYaml . | nindent 6 }}
      {{- end }}
catalog:
  # The image holds these at /app, the backend's working directory.
  locations:
    - type: file
      target: ./catalog-info.yaml
    - type: file
      target: ./examples/templates/deploy-mec-application/template.yaml
mec:
  role: {{ .Values.role }}
  {{- with .Values.apiRoot }}
  apiRoot: {{ . | quote }}
  {{- end }}
  clients:
    {{- toYaml .Values.clients | nindent 4 }}
  helmRepository:
    pullToken: ${MEC_EDGE_PULL_TOKEN}
  encryptionKeys:
    - id: {{ .Values.encryptionKeys.id | quote }}
      secret: ${MEC_ENCRYPTION_KEY}
    {{- with .Values.encryptionKeys.previousId }}
    - id: {{ . | quote }}
      secret: ${MEC_PREVIOUS_ENCRYPTION_KEY}
    {{- end }}
  mepms:
    notificationToken: ${MEC_MEPM_NOTIFY_TOKEN}
{{- end }}

{{/* What every object of the chart is made from. */}}
{{- define "helmmec-meo.validate" -}}
{{- if not (has .Values.role (list "meo" "combined")) }}
{{- fail (printf "role '%s' is not one of meo, combined (a MEPM has its own chart, helmmec-mepm)" .Values.role) }}
{{- end }}
{{- $_ := required "baseUrl is required: the external URL of this backend, e.g. https://meo.example.com" .Values.baseUrl }}
{{- include "helmmec.postgresql.validate" . }}
{{- include "helmmec.secretEnv.validate" (dict "root" . "entries" (include "helmmec-meo.secretEntries" . | fromYamlArray)) }}
{{- end }}
