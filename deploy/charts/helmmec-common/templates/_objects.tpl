{{/*
The objects both charts make. Each takes a dict:
  root: the chart's context ($)
  component: the ETSI role this backend plays (meo, combined, mepm)
  package: the workspace package the image runs (backend, mepm)
  config: the chart's app-config layer (YAML text, no secret values)
  secretEntries: the secret environment (see helmmec.secretEnv.vars)
  env, volumes, volumeMounts: more of each, as YAML lists (optional)
  shellPrefix: shell run before node, e.g. to prepare a variable (optional)
*/}}

{{- define "helmmec.secret" -}}
{{- $root := .root }}
{{- $data := dict }}
{{- if not $root.Values.secrets.existingSecret }}
{{- range .secretEntries }}
{{- if .value }}
{{- $_ := set $data .env .value }}
{{- end }}
{{- end }}
{{- end }}
{{- if and $root.Values.postgresql.password (not $root.Values.postgresql.existingSecret) }}
{{- $_ := set $data "POSTGRES_PASSWORD" $root.Values.postgresql.password }}
{{- end }}
{{- if $data }}
apiVersion: v1
kind: Secret
metadata:
  name: {{ include "helmmec.fullname" $root }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "helmmec.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
type: Opaque
data:
  {{- range $key, $value := $data }}
  {{ $key }}: {{ $value | b64enc | quote }}
  {{- end }}
{{- end }}
{{- end }}

{{- define "helmmec.configMap" -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "helmmec.fullname" .root }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "helmmec.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
data:
  app-config.helm.yaml: |
    {{- include "helmmec.appConfig" . | nindent 4 }}
{{- end }}

{{- define "helmmec.serviceAccount" -}}
{{- if .root.Values.serviceAccount.create }}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "helmmec.serviceAccountName" .root }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "helmmec.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  {{- with .root.Values.serviceAccount.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
# The backend does not talk to the Kubernetes API of its own cluster with
# the pod's identity; a MEPM that deploys to it gets a token of its own.
automountServiceAccountToken: false
{{- end }}
{{- end }}

{{- define "helmmec.deployment" -}}
{{- $root := .root }}
{{- $values := $root.Values }}
{{- $configArgs := list }}
{{- range $values.imageConfigFiles }}
{{- $configArgs = concat $configArgs (list "--config" .) }}
{{- end }}
{{- $configArgs = concat $configArgs (list "--config" "/etc/helmmec/app-config.helm.yaml") }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "helmmec.fullname" $root }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "helmmec.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  # Replicas share the PostgreSQL database: operations, onboardings and
  # deliveries run under leases there, so any number may run.
  replicas: {{ $values.replicaCount }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "helmmec.selectorLabels" $root | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "helmmec.selectorLabels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
      annotations:
        # Roll the pods when their configuration changes.
        checksum/config: {{ include "helmmec.appConfig" . | sha256sum }}
        checksum/secret: {{ include "helmmec.secret" . | sha256sum }}
        {{- with $values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "helmmec.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        {{- toYaml $values.podSecurityContext | nindent 8 }}
      containers:
        - name: backend
          image: {{ include "helmmec.image" $root }}
          imagePullPolicy: {{ $values.image.pullPolicy }}
          {{- if .shellPrefix }}
          command:
            - /bin/sh
            - -c
            - {{ printf "%sexec \"$0\" \"$@\"" .shellPrefix | quote }}
            - node
          {{- else }}
          command: [node]
          {{- end }}
          args:
            - packages/{{ .package }}
            {{- range $configArgs }}
            - {{ . | quote }}
            {{- end }}
          ports:
            - name: http
              containerPort: 7007
              protocol: TCP
          env:
            - name: NODE_ENV
              value: production
            # helm (the helm driver) keeps its settings under HOME; the
            # root file system is read-only.
            - name: HOME
              value: /tmp
            - name: POSTGRES_HOST
              value: {{ $values.postgresql.host | quote }}
            - name: POSTGRES_PORT
              value: {{ $values.postgresql.port | quote }}
            {{- if and $values.postgresql.existingSecret $values.postgresql.existingSecretUserKey }}
            - name: POSTGRES_USER
              valueFrom:
                secretKeyRef:
                  name: {{ $values.postgresql.existingSecret }}
                  key: {{ $values.postgresql.existingSecretUserKey }}
            {{- else }}
            - name: POSTGRES_USER
              value: {{ $values.postgresql.user | quote }}
            {{- end }}
            - name: POSTGRES_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ include "helmmec.postgresql.secretName" $root }}
                  key: {{ include "helmmec.postgresql.passwordKey" $root }}
            {{- if and $values.postgresql.ssl.enabled $values.postgresql.ssl.caSecret.name }}
            # The CA of the PostgreSQL server (PEM), for backend.database.connection.ssl.ca.
            - name: POSTGRES_SSL_CA
              valueFrom:
                secretKeyRef:
                  name: {{ $values.postgresql.ssl.caSecret.name }}
                  key: {{ $values.postgresql.ssl.caSecret.key }}
            {{- end }}
            {{- include "helmmec.secretEnv.vars" (dict "root" $root "entries" .secretEntries) | trim | nindent 12 }}
            {{- with .env }}
            {{- . | trim | nindent 12 }}
            {{- end }}
            {{- with $values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          {{- with $values.extraEnvFrom }}
          envFrom:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          # Backstage's health endpoints: liveness answers once the HTTP
          # server runs, readiness once every plugin has started (and again
          # 503 while the backend shuts down).
          startupProbe:
            httpGet:
              path: /.backstage/health/v1/liveness
              port: http
            periodSeconds: 5
            failureThreshold: {{ $values.probes.startupFailureThreshold }}
          livenessProbe:
            httpGet:
              path: /.backstage/health/v1/liveness
              port: http
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /.backstage/health/v1/readiness
              port: http
            periodSeconds: 10
            timeoutSeconds: 5
            failureThreshold: 3
          resources:
            {{- toYaml $values.resources | nindent 12 }}
          securityContext:
            {{- toYaml $values.securityContext | nindent 12 }}
          volumeMounts:
            - name: app-config
              mountPath: /etc/helmmec/app-config.helm.yaml
              subPath: app-config.helm.yaml
              readOnly: true
            - name: tmp
              mountPath: /tmp
            {{- with .volumeMounts }}
            {{- . | trim | nindent 12 }}
            {{- end }}
      volumes:
        - name: app-config
          configMap:
            name: {{ include "helmmec.fullname" $root }}
        # Temporary files: helm's workspaces, package archives being read.
        - name: tmp
          emptyDir:
            sizeLimit: {{ $values.tmpSizeLimit }}
        {{- with .volumes }}
        {{- . | trim | nindent 8 }}
        {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- end }}

{{- define "helmmec.service" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "helmmec.fullname" .root }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "helmmec.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  {{- with .root.Values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ .root.Values.service.type }}
  selector:
    {{- include "helmmec.selectorLabels" .root | nindent 4 }}
  ports:
    - name: http
      port: {{ .root.Values.service.port }}
      targetPort: http
      protocol: TCP
{{- end }}

{{- define "helmmec.ingress" -}}
{{- $root := .root }}
{{- $ingress := $root.Values.ingress }}
{{- if $ingress.enabled }}
{{- if not $ingress.hosts }}
{{- fail "ingress.hosts is required when ingress.enabled is true" }}
{{- end }}
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: {{ include "helmmec.fullname" $root }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "helmmec.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
  {{- with $ingress.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  {{- with $ingress.className }}
  ingressClassName: {{ . }}
  {{- end }}
  {{- with $ingress.tls }}
  tls:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  rules:
    {{- range $ingress.hosts }}
    - host: {{ .host | quote }}
      http:
        paths:
          {{- range (default (list (dict "path" "/" "pathType" "Prefix")) .paths) }}
          - path: {{ .path }}
            pathType: {{ default "Prefix" .pathType }}
            backend:
              service:
                name: {{ include "helmmec.fullname" $root }}
                port:
                  name: http
          {{- end }}
    {{- end }}
{{- end }}
{{- end }}

{{- define "helmmec.podDisruptionBudget" -}}
{{- if and .root.Values.podDisruptionBudget.enabled (gt (int .root.Values.replicaCount) 1) }}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "helmmec.fullname" .root }}
  namespace: {{ .root.Release.Namespace }}
  labels:
    {{- include "helmmec.labels" .root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  maxUnavailable: {{ .root.Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "helmmec.selectorLabels" .root | nindent 6 }}
{{- end }}
{{- end }}
