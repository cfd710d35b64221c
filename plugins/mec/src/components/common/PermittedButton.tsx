import { usePermission } from '@backstage/plugin-permission-react';
import Button, { ButtonProps } from '@mui/material/Button';
import Tooltip from '@mui/material/Tooltip';

// The mec permissions are basic (not resource) permissions.
type BasicPermission = Extract<
  Parameters<typeof usePermission>[0],
  { resourceRef?: undefined }
>['permission'];

/**
 * A button for an action guarded by a mec permission: disabled, with the
 * reason as a tooltip and as the label screen readers announce, when the signed-in user
 * may not do it. The backend enforces the same permission; this only
 * spares the user a refusal.
 */
export function PermittedButton(
  props: ButtonProps & { permission: BasicPermission; what: string },
) {
  const { permission, what, ...buttonProps } = props;
  const { allowed, loading } = usePermission({ permission });
  if (loading || allowed) {
    return (
      <Button {...buttonProps} disabled={buttonProps.disabled || loading} />
    );
  }
  const reason = `You may not ${what} (permission ${permission.name})`;
  return (
    <Tooltip title={reason}>
      {/* A disabled button gets no pointer events; the span shows the tooltip. */}
      <span>
        <Button {...buttonProps} disabled />
      </span>
    </Tooltip>
  );
}
