import { UpdateDatasetEntriesCommand } from '@aws-sdk/client-lookoutvision';
import Alert from '@cloudscape-design/components/alert';
import Box from '@cloudscape-design/components/box';
import Button from '@cloudscape-design/components/button';
import ColumnLayout from '@cloudscape-design/components/column-layout';
import FormField from '@cloudscape-design/components/form-field';
import Modal from '@cloudscape-design/components/modal';
import SegmentedControl from '@cloudscape-design/components/segmented-control';
import Slider from '@cloudscape-design/components/slider';
import SpaceBetween from '@cloudscape-design/components/space-between';
import StatusIndicator from '@cloudscape-design/components/status-indicator';
import { useEffect, useRef, useState } from 'react';
import { type Clients, errorText } from '../../clients';
import { getObjectBytes, putObjectBytes } from '../../s3Objects';
import { parseS3Uri, s3Uri } from '../../s3Uri';
import { datasetSucceeded, waitForDataset } from '../../waitForDataset';
import { type AnomalyClass, type DatasetEntry, withMask } from '../datasetEntry';
import { AnomalyClassPicker } from './AnomalyClassPicker';
import { MaskCanvas, type MaskTool } from './MaskCanvas';
import { drawSavedMask, loadImage, maskPng } from './maskImage';

/** Strokes kept for Undo. */
const UNDO_DEPTH = 30;
/** The zoom steps, smallest first. */
const ZOOMS = [0.5, 1, 2];

/**
 * The annotation tool: paint where the anomaly is, per anomaly label, with a brush and an eraser;
 * Save uploads the mask as a PNG next to the image (all images and masks of a dataset share one
 * bucket) and writes the line's anomaly-mask-ref fields with UpdateDatasetEntries.
 */
export function MaskEditor({
  clients,
  projectName,
  datasetType,
  entry,
  knownClasses,
  onClose,
}: {
  clients: Clients;
  projectName: string;
  datasetType: string;
  entry: DatasetEntry;
  knownClasses: AnomalyClass[];
  onClose(saved: boolean): void;
}) {
  const [classes, setClasses] = useState<AnomalyClass[]>(() => [...entry.classes, ...knownClasses.filter((k) => !entry.classes.some((c) => c.className === k.className))]);
  const [current, setCurrent] = useState<string | undefined>(classes[0]?.className);
  const [tool, setTool] = useState<MaskTool>('brush');
  const [brushSize, setBrushSize] = useState(16);
  const [zoom, setZoom] = useState(1);
  const [image, setImage] = useState<{ url: string; width: number; height: number } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [undoCount, setUndoCount] = useState(0);
  // Painting waits for the saved mask, which would otherwise be drawn over the first strokes.
  const [ready, setReady] = useState(!entry.maskRef);
  const layer = useRef<HTMLCanvasElement | null>(null);
  const undo = useRef<ImageData[]>([]);
  const name = entry.sourceRef.split('/').pop() ?? entry.sourceRef;

  // The image, and the saved mask once the layer exists at the image's size.
  useEffect(() => {
    let url: string | undefined;
    let current = true;
    (async () => {
      const where = parseS3Uri(entry.sourceRef);
      if (!where) throw new Error(`${entry.sourceRef} is not an S3 URI.`);
      const { bytes, contentType } = await getObjectBytes(clients.s3, where.bucket, where.key);
      const decoded = await loadImage(bytes, contentType ?? 'image/jpeg');
      if (!current) return;
      url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: contentType ?? 'image/jpeg' }));
      setImage({ url, width: decoded.naturalWidth, height: decoded.naturalHeight });
    })().catch((e: unknown) => current && setError(`The image could not be read. ${errorText(e)}`));
    return () => {
      current = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [clients, entry.sourceRef]);

  useEffect(() => {
    if (!image || !entry.maskRef) return;
    const where = parseS3Uri(entry.maskRef);
    if (!where) return;
    let current = true;
    getObjectBytes(clients.s3, where.bucket, where.key)
      .then(({ bytes }) => loadImage(bytes, 'image/png'))
      .then((mask) => {
        if (!current || !layer.current) return;
        drawSavedMask(layer.current, mask, entry.classes);
        setReady(true);
      })
      .catch((e: unknown) => {
        if (!current) return;
        setError(`The saved mask could not be read. ${errorText(e)}`);
        setReady(true);
      });
    return () => {
      current = false;
    };
  }, [clients, image, entry.maskRef, entry.classes]);

  const remember = () => {
    // A new stroke answers "the mask is empty" and the like: the last message no longer applies.
    setError(undefined);
    const canvas = layer.current!;
    undo.current.push(canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height));
    if (undo.current.length > UNDO_DEPTH) undo.current.shift();
    setUndoCount(undo.current.length);
  };
  const undoStroke = () => {
    const previous = undo.current.pop();
    if (previous) layer.current!.getContext('2d')!.putImageData(previous, 0, 0);
    setUndoCount(undo.current.length);
  };

  // Keys for the tools, as drawing programs have them (B, E, Ctrl+Z, + and -); typing in a field is left alone.
  // biome-ignore lint/correctness/useExhaustiveDependencies: undoStroke only reads refs and sets state
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.target as HTMLElement | null)?.closest('input, textarea, select, [contenteditable="true"]')) return;
      const key = event.key.toLowerCase();
      if ((event.ctrlKey || event.metaKey) && !event.altKey && key === 'z') undoStroke();
      else if (event.ctrlKey || event.metaKey || event.altKey) return;
      else if (key === 'b') setTool('brush');
      else if (key === 'e') setTool('eraser');
      else if (key === '+' || key === '=') setZoom((z) => ZOOMS[Math.min(ZOOMS.indexOf(z) + 1, ZOOMS.length - 1)]);
      else if (key === '-') setZoom((z) => ZOOMS[Math.max(ZOOMS.indexOf(z) - 1, 0)]);
      else return;
      event.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const save = async () => {
    setSaving(true);
    setError(undefined);
    try {
      const { png, used } = await maskPng(layer.current!, classes);
      if (used.length === 0) throw new Error('Paint the anomaly before saving: the mask is empty.');
      const where = parseS3Uri(entry.sourceRef)!;
      const stem = (where.key.split('/').pop() ?? 'image').replace(/\.[^.]*$/, '');
      const key = `masks/${projectName}/${datasetType}/${stem}-${new Date().toISOString().replace(/[-:.]/g, '')}.png`;
      await putObjectBytes(clients.s3, where.bucket, key, png, 'image/png');
      const line = withMask(entry.line, s3Uri(where.bucket, key), used);
      const lfv = clients.lookoutVision;
      await lfv.send(new UpdateDatasetEntriesCommand({ ProjectName: projectName, DatasetType: datasetType, Changes: new TextEncoder().encode(line) }));
      const dataset = await waitForDataset(lfv, projectName, datasetType);
      if (!datasetSucceeded(dataset)) throw new Error(`The mask was not saved: ${dataset.StatusMessage ?? dataset.Status}`);
      onClose(true);
    } catch (e) {
      setError(errorText(e));
      setSaving(false);
    }
  };

  const colour = classes.find((c) => c.className === current)?.hexColor;
  return (
    <Modal
      visible
      closeAriaLabel="Close"
      size="max"
      onDismiss={() => !saving && onClose(false)}
      header={`Paint the anomaly mask of ${name}`}
      footer={
        <Box float="right">
          <SpaceBetween direction="horizontal" size="xs">
            <Button variant="link" disabled={saving} onClick={() => onClose(false)}>
              Cancel
            </Button>
            <Button variant="primary" loading={saving} disabled={!image || !ready} onClick={() => void save()} data-testid="save-mask">
              Save mask
            </Button>
          </SpaceBetween>
        </Box>
      }
    >
      <ColumnLayout columns={2} borders="vertical">
        <SpaceBetween size="m">
          <AnomalyClassPicker
            classes={classes}
            value={current}
            onChange={setCurrent}
            onAdd={(added) => {
              setClasses((all) => [...all, added]);
              setCurrent(added.className);
            }}
          />
          <FormField label="Tool">
            <SegmentedControl
              label="Tool"
              selectedId={tool}
              onChange={({ detail }) => setTool(detail.selectedId as MaskTool)}
              options={[
                { id: 'brush', text: 'Brush', iconName: 'edit' },
                { id: 'eraser', text: 'Eraser', iconName: 'close' },
              ]}
            />
          </FormField>
          <FormField label={`Brush size: ${brushSize} pixels`}>
            <Slider value={brushSize} min={2} max={80} onChange={({ detail }) => setBrushSize(detail.value)} ariaLabel="Brush size" />
          </FormField>
          <FormField label="Zoom">
            <SegmentedControl
              label="Zoom"
              selectedId={String(zoom)}
              onChange={({ detail }) => setZoom(Number(detail.selectedId))}
              options={ZOOMS.map((z) => ({ id: String(z), text: `${z * 100} %` }))}
            />
          </FormField>
          <Button iconName="undo" disabled={undoCount === 0} onClick={undoStroke}>
            Undo
          </Button>
          <Box variant="small" data-testid="mask-keys">
            Keys: B brush, E eraser, Ctrl+Z undo, + and - zoom.
          </Box>
          {error && <Alert type="error">{error}</Alert>}
        </SpaceBetween>
        {!image ? (
          <StatusIndicator type={error ? 'error' : 'loading'}>{error ? 'Unavailable' : 'Loading the image'}</StatusIndicator>
        ) : (
          <SpaceBetween size="xs">
            {!colour && <Box>Add an anomaly label to start painting.</Box>}
            <MaskCanvas
              imageUrl={image.url}
              width={image.width}
              height={image.height}
              layer={layer}
              tool={tool}
              colour={colour}
              brushSize={brushSize}
              zoom={zoom}
              label={`Mask of ${name}: paint the anomaly with the pointer`}
              ready={ready}
              onStrokeStart={remember}
            />
          </SpaceBetween>
        )}
      </ColumnLayout>
    </Modal>
  );
}
