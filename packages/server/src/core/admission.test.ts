import { describe, expect, it } from 'vitest';
import { Admission, AdmissionRefusedError } from './admission.js';
import { PixelGate } from './pixel-gate.js';

function refusal(run: () => unknown): AdmissionRefusedError {
  try {
    run();
  } catch (error) {
    if (error instanceof AdmissionRefusedError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

const settled = async <T>(promise: Promise<T>): Promise<'pending' | 'resolved' | 'rejected'> => {
  let state: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe('Admission: items', () => {
  it('refuses a request larger than the queue with 413 and one that does not fit now with 429; items being scored hold no place', () => {
    let inService = 0;
    const admission = new Admission({ maxItems: 4, maxBytes: 100, maxPixels: 100 }, () => inService);
    expect(refusal(() => admission.reserveItems(5))).toMatchObject({ reason: 'too-many-items', status: 413 });
    const three = admission.reserveItems(3);
    expect(refusal(() => admission.reserveItems(2))).toMatchObject({ reason: 'queue-full', status: 429 });
    // Two of the three go into a running batch: they leave the queue but stay admitted until answered.
    inService = 2;
    expect(admission.queued).toBe(1);
    const more = admission.reserveItems(3);
    expect(admission.items).toBe(6);
    three.release();
    three.release(); // idempotent
    inService = 0;
    expect(admission.items).toBe(3);
    more.release();
    expect(admission.items).toBe(0);
  });
});

describe('Admission: body bytes', () => {
  it('reserves the declared length, grows with streamed bytes, refuses past the budget, releases once', () => {
    const admission = new Admission({ maxItems: 1, maxBytes: 100, maxPixels: 1 });
    const a = admission.reserveBytes(60);
    expect(refusal(() => admission.reserveBytes(50))).toMatchObject({ reason: 'body-budget', status: 429 });
    const b = admission.reserveBytes(0);
    b.grow(30);
    expect(refusal(() => b.grow(20)).reason).toBe('body-budget');
    expect(b.amount).toBe(30);
    expect(admission.bytes).toBe(90);
    a.release();
    a.release();
    b.release();
    expect(admission.bytes).toBe(0);
  });
});

describe('Admission: decoded pixels', () => {
  it('waits in arrival order, refuses more than the whole budget (413) and too many waiters (429), honours abort', async () => {
    const admission = new Admission({ maxItems: 1, maxBytes: 1, maxPixels: 100, maxPixelWaiters: 2 });
    await expect(admission.acquirePixels(101)).rejects.toMatchObject({ reason: 'pixels-too-large', status: 413 });
    const first = await admission.acquirePixels(70);
    const second = admission.acquirePixels(50);
    const third = admission.acquirePixels(10); // fits now, but waits behind the second (no overtaking)
    expect(await settled(second)).toBe('pending');
    expect(await settled(third)).toBe('pending');
    await expect(admission.acquirePixels(1)).rejects.toMatchObject({ reason: 'pixels-busy', status: 429 });
    first.release();
    const [secondLease, thirdLease] = await Promise.all([second, third]);
    expect(admission.pixels).toBe(60);
    const controller = new AbortController();
    const aborted = admission.acquirePixels(90, controller.signal);
    controller.abort(new Error('client went away'));
    await expect(aborted).rejects.toThrow('client went away');
    expect(admission.pixelWaiters).toBe(0);
    secondLease.release();
    thirdLease.release();
    expect(admission.pixels).toBe(0);
  });

  it('PixelGate: a request takes the sum of its items at once, after every item reported or failed', async () => {
    const admission = new Admission({ maxItems: 1, maxBytes: 1, maxPixels: 100 });
    const gate = new PixelGate(3, admission);
    const a = gate.report(0, 30);
    expect(await settled(a)).toBe('pending');
    expect(admission.pixels).toBe(0);
    gate.skip(1); // failed before its header
    gate.skip(0); // already reported: no effect
    const c = gate.report(2, 40);
    await Promise.all([a, c]);
    expect(gate.pixels).toBe(70);
    expect(admission.pixels).toBe(70);
    // Another request that does not fit waits as a whole, then runs once the first releases.
    const other = new PixelGate(1, admission);
    const waiting = other.report(0, 50);
    expect(await settled(waiting)).toBe('pending');
    gate.release();
    await waiting;
    expect(admission.pixels).toBe(50);
    other.release();
    const huge = new PixelGate(1, admission);
    await expect(huge.report(0, 1000)).rejects.toMatchObject({ status: 413 });
    expect(huge.error).toBeInstanceOf(AdmissionRefusedError);
  });
});
