import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import FileDropzone from '@cloudscape-design/components/file-dropzone';
import FileInput from '@cloudscape-design/components/file-input';
import SpaceBetween from '@cloudscape-design/components/space-between';

/** How many chosen file names are listed; the rest are counted. */
const NAMES_SHOWN = 8;

/** Images from the computer: dropped on the zone or chosen with the file picker, many at a time; later choices add to earlier ones. */
export function ImageFilePicker({ files, onChange }: { files: File[]; onChange(files: File[]): void }) {
  const add = (more: File[]) => onChange([...files, ...more]);
  return (
    <SpaceBetween size="s">
      <div data-testid="image-dropzone">
        <FileDropzone onChange={({ detail }) => add(detail.value)}>
          <SpaceBetween size="xxs" alignItems="center">
            <Box>Drop PNG or JPEG images here, or</Box>
            <FileInput multiple accept="image/png,image/jpeg" value={[]} onChange={({ detail }) => add(detail.value)} ariaLabel="Choose images">
              Choose images
            </FileInput>
          </SpaceBetween>
        </FileDropzone>
      </div>
      {files.length > 0 && (
        <SpaceBetween direction="horizontal" size="xs" alignItems="center">
          <Box data-testid="chosen-files">
            {files.length} file{files.length === 1 ? '' : 's'} chosen:{' '}
            {files
              .slice(0, NAMES_SHOWN)
              .map((f) => f.name)
              .join(', ')}
            {files.length > NAMES_SHOWN ? ` and ${files.length - NAMES_SHOWN} more` : ''}
          </Box>
          <Button variant="inline-link" onClick={() => onChange([])}>
            Clear
          </Button>
        </SpaceBetween>
      )}
    </SpaceBetween>
  );
}
