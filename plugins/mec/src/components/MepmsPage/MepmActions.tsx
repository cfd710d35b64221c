import { useApi } from '@backstage/frontend-plugin-api';
import { mecMepmManagePermission, type Mepm } from '@helmmec/plugin-mec-common';
import Stack from '@mui/material/Stack';
import { useState } from 'react';
import { mecApiRef } from '../../api/MecApi';
import { ConfirmDialog } from '../common/ConfirmDialog';
import { PermittedButton } from '../common/PermittedButton';
import { MepmDialog } from './MepmDialog';

/**
 * Check now, change and remove of one MEPM, for its row in the list and its
 * own page. A refusal (such as 409 while instances are placed on its hosts)
 * goes to `onError` with the server's reason.
 */
export function MepmActions(props: {
  mepm: Mepm;
  /** The MEPM changed (checked or edited): reload. */
  onChanged: () => void;
  onRemoved: () => void;
  onError: (error: unknown) => void;
  direction?: 'row' | 'column';
}) {
  const mecApi = useApi(mecApiRef);
  const { mepm } = props;
  const [checking, setChecking] = useState(false);
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const check = async () => {
    setChecking(true);
    props.onError(undefined);
    try {
      await mecApi.checkMepm(mepm.name);
    } catch (e) {
      props.onError(e);
    } finally {
      setChecking(false);
      props.onChanged();
    }
  };

  const remove = async () => {
    props.onError(undefined);
    try {
      await mecApi.deleteMepm(mepm.name);
    } catch (e) {
      props.onError(e);
      props.onChanged();
      return;
    }
    props.onRemoved();
  };

  const manage = {
    permission: mecMepmManagePermission,
    what: 'change MEPMs',
    size: 'small' as const,
  };
  return (
    <>
      <Stack
        direction={props.direction ?? { xs: 'column', xl: 'row' }}
        spacing={1}
        alignItems="flex-start"
      >
        <PermittedButton
          {...manage}
          aria-label={`Check ${mepm.name} now`}
          disabled={checking}
          onClick={check}
        >
          {checking ? 'Checking…' : 'Check now'}
        </PermittedButton>
        <PermittedButton
          {...manage}
          aria-label={`Change ${mepm.name}`}
          onClick={() => setEditing(true)}
        >
          Change
        </PermittedButton>
        <PermittedButton
          {...manage}
          color="error"
          aria-label={`Remove ${mepm.name}`}
          onClick={() => setConfirming(true)}
        >
          Remove
        </PermittedButton>
      </Stack>
      <MepmDialog
        open={editing}
        mepm={mepm}
        onClose={() => setEditing(false)}
        onSaved={props.onChanged}
      />
      <ConfirmDialog
        open={confirming}
        title={`Remove MEPM ${mepm.name}?`}
        confirmLabel="Remove"
        onClose={() => setConfirming(false)}
        onConfirm={remove}
      >
        The MEO forgets {mepm.name} and its stored credentials, its hosts leave
        the edge host registry and the MEO's subscription to its notifications
        is deleted. The MEPM itself and what runs on its clusters stay as they
        are. A MEPM with application instances placed on its hosts cannot be
        removed.
      </ConfirmDialog>
    </>
  );
}
