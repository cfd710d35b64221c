import SvgIcon from '@mui/material/SvgIcon';

/** An edge node with three links: the MEC sidebar icon. */
export function MecIcon() {
  return (
    <SvgIcon>
      <path d="M12 2a3 3 0 0 1 1 5.83V10h4.17a3 3 0 1 1 0 2H13v2.17a3 3 0 1 1-2 0V12H6.83a3 3 0 1 1 0-2H11V7.83A3 3 0 0 1 12 2Z" />
    </SvgIcon>
  );
}
