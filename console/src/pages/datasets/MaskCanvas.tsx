import { type PointerEvent, type RefObject, useRef } from 'react';

export type MaskTool = 'brush' | 'eraser';

/**
 * The image with the painting layer over it, both at the image's own pixel size and shown at zoom.
 * A stroke paints (or erases) a round brush along the pointer's path; before each stroke the layer
 * is handed to onStrokeStart so that it can be undone.
 */
export function MaskCanvas({
  imageUrl,
  width,
  height,
  layer,
  tool,
  colour,
  brushSize,
  zoom,
  label,
  ready,
  onStrokeStart,
}: {
  imageUrl: string;
  width: number;
  height: number;
  layer: RefObject<HTMLCanvasElement | null>;
  tool: MaskTool;
  /** The label's colour; without one the brush does not paint (the eraser still erases). */
  colour: string | undefined;
  brushSize: number;
  zoom: number;
  label: string;
  /** False until the saved mask is on the layer: strokes are ignored until then. */
  ready: boolean;
  onStrokeStart(): void;
}) {
  const last = useRef<{ x: number; y: number } | undefined>(undefined);

  const point = (event: PointerEvent<HTMLCanvasElement>) => {
    const rect = event.currentTarget.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) * width) / rect.width, y: ((event.clientY - rect.top) * height) / rect.height };
  };
  const stroke = (from: { x: number; y: number }, to: { x: number; y: number }) => {
    const context = layer.current!.getContext('2d')!;
    if (tool === 'brush' && !colour) return;
    context.globalCompositeOperation = tool === 'eraser' ? 'destination-out' : 'source-over';
    context.strokeStyle = colour ?? '#000000';
    context.fillStyle = colour ?? '#000000';
    context.lineWidth = brushSize;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.beginPath();
    if (from.x === to.x && from.y === to.y) {
      context.arc(to.x, to.y, brushSize / 2, 0, 2 * Math.PI);
      context.fill();
    } else {
      context.moveTo(from.x, from.y);
      context.lineTo(to.x, to.y);
      context.stroke();
    }
  };

  return (
    <div className="vigil-mask-viewport">
      <div className="vigil-mask-stack" style={{ width: width * zoom, height: height * zoom }}>
        <img src={imageUrl} alt="" className="vigil-mask-image" draggable={false} />
        <canvas
          ref={layer}
          width={width}
          height={height}
          className="vigil-mask-layer"
          aria-label={label}
          data-testid="mask-canvas"
          data-ready={ready}
          onPointerDown={(event) => {
            if (!ready) return;
            event.currentTarget.setPointerCapture(event.pointerId);
            onStrokeStart();
            const p = point(event);
            stroke(p, p);
            last.current = p;
          }}
          onPointerMove={(event) => {
            if (!last.current) return;
            const p = point(event);
            stroke(last.current, p);
            last.current = p;
          }}
          onPointerUp={() => {
            last.current = undefined;
          }}
          onPointerCancel={() => {
            last.current = undefined;
          }}
        />
      </div>
    </div>
  );
}
