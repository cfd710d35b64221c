import { mecInstanceCreatePermission } from '@helmmec/plugin-mec-common';
import { EmptyState } from '@backstage/core-components';
import Stack from '@mui/material/Stack';
import { useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { MecLayout } from '../common/MecLayout';
import { PermittedButton } from '../common/PermittedButton';
import { useMecPaths } from '../common/useMecPaths';
import { AppInstancesTable } from './AppInstancesTable';
import { CreateInstanceDialog } from './CreateInstanceDialog';

/** All application instances, where they run and from which package. */
export function AppInstancesPage() {
  const paths = useMecPaths();
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);

  return (
    <MecLayout
      title="MEC application instances"
      subtitle="Applications instantiated, or about to be, on the edge hosts"
    >
      <Stack direction="row" justifyContent="flex-end" sx={{ mb: 2 }}>
        <PermittedButton
          permission={mecInstanceCreatePermission}
          what="create instances"
          variant="contained"
          onClick={() => setCreating(true)}
        >
          Create instance
        </PermittedButton>
      </Stack>
      <AppInstancesTable
        empty={
          <EmptyState
            missing="data"
            title="No application instances yet"
            description="Create an instance from an enabled package, then instantiate it on an edge host."
          />
        }
      />
      {creating && (
        <CreateInstanceDialog
          open
          onClose={() => setCreating(false)}
          onCreated={instance => navigate(paths.appInstance(instance.id))}
        />
      )}
    </MecLayout>
  );
}
