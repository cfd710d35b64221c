import Button from '@mui/material/Button';
import Stack from '@mui/material/Stack';
import Typography from '@mui/material/Typography';

/**
 * Previous and next under a table the backend pages. ETSI GS MEC 009 paging
 * tells no total, so the page number stands in for "x of y".
 */
export function PageNav(props: {
  pageIndex: number;
  hasPrevious: boolean;
  hasNext: boolean;
  onPrevious: () => void;
  onNext: () => void;
}) {
  if (!props.hasPrevious && !props.hasNext) return null;
  return (
    <Stack
      direction="row"
      spacing={1}
      alignItems="center"
      justifyContent="flex-end"
      sx={{ p: 1 }}
      role="navigation"
      aria-label="Pages"
    >
      <Typography variant="body2">Page {props.pageIndex + 1}</Typography>
      <Button
        size="small"
        aria-label="Previous page"
        disabled={!props.hasPrevious}
        onClick={props.onPrevious}
      >
        ‹ Previous
      </Button>
      <Button
        size="small"
        aria-label="Next page"
        disabled={!props.hasNext}
        onClick={props.onNext}
      >
        Next ›
      </Button>
    </Stack>
  );
}
