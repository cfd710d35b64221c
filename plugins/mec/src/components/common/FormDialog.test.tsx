import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { FormDialog } from './FormDialog';

function renderDialog(onSubmit: () => Promise<void>, onClose = jest.fn()) {
  render(
    <FormDialog
      open
      title="Do it"
      submitLabel="Go"
      busyLabel="Going…"
      errorTitle="It was refused"
      onSubmit={onSubmit}
      onClose={onClose}
    >
      <input aria-label="Thing" />
    </FormDialog>,
  );
  return { onClose };
}

describe('FormDialog', () => {
  it('is a dialog named by its title, with the fields, Cancel and submit', () => {
    const { onClose } = renderDialog(async () => {});
    const dialog = screen.getByRole('dialog', { name: 'Do it' });
    expect(dialog).toContainElement(screen.getByLabelText('Thing'));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(onClose).toHaveBeenCalled();
  });

  it('disables submit while the request runs, then enables it again', async () => {
    let finish: () => void = () => {};
    const onSubmit = jest.fn(
      () => new Promise<void>(resolve => (finish = resolve)),
    );
    renderDialog(onSubmit);
    fireEvent.click(screen.getByRole('button', { name: 'Go' }));
    const busy = await screen.findByRole('button', { name: 'Going…' });
    expect(busy).toBeDisabled();
    // a second submit while busy does not send again
    fireEvent.submit(busy.closest('form')!);
    expect(onSubmit).toHaveBeenCalledTimes(1);

    finish();
    await waitFor(() =>
      expect(screen.getByRole('button', { name: 'Go' })).toBeEnabled(),
    );
  });

  it('shows the refusal and clears it on the next attempt', async () => {
    const onSubmit = jest
      .fn<Promise<void>, []>()
      .mockRejectedValueOnce(new Error('name already taken'))
      .mockResolvedValueOnce(undefined);
    renderDialog(onSubmit);
    fireEvent.click(screen.getByRole('button', { name: 'Go' }));
    expect(await screen.findByText('It was refused')).toBeInTheDocument();
    expect(screen.getByText('name already taken')).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Go' }));
    await waitFor(() =>
      expect(screen.queryByText('name already taken')).not.toBeInTheDocument(),
    );
    expect(onSubmit).toHaveBeenCalledTimes(2);
  });

  it('keeps submit disabled when the caller says so', () => {
    render(
      <FormDialog
        open
        title="Wait"
        submitLabel="Go"
        errorTitle="Refused"
        submitDisabled
        onSubmit={async () => {}}
        onClose={() => {}}
      >
        <span />
      </FormDialog>,
    );
    expect(screen.getByRole('button', { name: 'Go' })).toBeDisabled();
  });
});
