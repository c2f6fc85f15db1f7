/**
 * The engine requests the engine tests start runs with: the tiny ONNX fixture (test/fixtures/tiny.json)
 * sampled by ode_euler over 4 uniform VP steps, as fast as possible. A test overrides what it is about.
 */
import type { EngineRequest, RunSettings } from '../../src/engine/protocol';

export type StartRequest = Extract<EngineRequest, { type: 'start' }>;

export function runSettings(overrides: Partial<RunSettings> = {}): RunSettings {
  return {
    model: 'tiny',
    sampler: 'ode_euler',
    params: {},
    sde: { kind: 'vp' },
    schedule: 'uniform',
    steps: 4,
    seed: 7,
    batch: 2,
    classLabel: 1,
    guidance: 0,
    denoiseFinal: false,
    stepsPerSecond: 0,
    ...overrides,
  };
}

export function startRequest(runId: number, overrides: Partial<StartRequest> = {}): StartRequest {
  return { type: 'start', runId, autoplay: true, ...runSettings(), ...overrides };
}
