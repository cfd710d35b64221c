export {
  GrantRefusedError,
  MeoGrantingClient,
  hostOfGrant,
  type MeoGrantingClientOptions,
} from './MeoGrantingClient';
export {
  MeoPackageMirror,
  type MeoPackageMirrorOptions,
} from './MeoPackageMirror';
