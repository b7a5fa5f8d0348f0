import { clipsForUser, modeMinClipsParameters, ThresholdInput, userThreshold } from './thresholds';

const base: ThresholdInput = {
  monitorMode: 'AUTOMATICO',
  streamerMinClips: 1,
  streamerIntervalSeconds: 180,
  subscriptionMinClips: null,
  subscriptionIntervalSeconds: null,
  manualMinClips: null,
  manualMinClipsVod: null,
  manualIntervalSeconds: null,
  liveViewerCount: null,
};

describe('delivery thresholds by monitor_mode (PRODUCT §13, §16)', () => {
  it.each([
    [0, 1],
    [199, 1],
    [200, 2],
    [999, 2],
    [1_000, 3],
    [49_999, 3],
    [50_000, 4],
  ])('AUTOMATICO live with %i viewers needs %i clips', (viewers, min) => {
    expect(userThreshold({ ...base, liveViewerCount: viewers }).minClips).toBe(min);
  });

  it("AUTOMATICO offline uses the subscription's min, else the streamer's", () => {
    expect(userThreshold({ ...base, subscriptionMinClips: 3 }).minClips).toBe(3);
    expect(userThreshold({ ...base, streamerMinClips: 2 }).minClips).toBe(2);
  });

  it('never goes below the streamer or the subscription min', () => {
    expect(userThreshold({ ...base, streamerMinClips: 5, liveViewerCount: 60_000 }).minClips).toBe(
      5,
    );
    expect(userThreshold({ ...base, subscriptionMinClips: 6, liveViewerCount: 100 }).minClips).toBe(
      6,
    );
    expect(userThreshold({ ...base, monitorMode: 'PADRAO', streamerMinClips: 4 }).minClips).toBe(4);
  });

  it('MANUAL: manual_min_clips live, manual_min_clips_vod offline, manual window', () => {
    const manual: ThresholdInput = {
      ...base,
      monitorMode: 'MANUAL',
      manualMinClips: 4,
      manualMinClipsVod: 7,
      manualIntervalSeconds: 45,
    };
    expect(userThreshold({ ...manual, liveViewerCount: 10 })).toEqual({
      minClips: 4,
      windowSeconds: 45,
    });
    expect(userThreshold(manual)).toEqual({ minClips: 7, windowSeconds: 45 });
    // Unset manual values fall back to the subscription's.
    expect(
      userThreshold({
        ...base,
        monitorMode: 'MANUAL',
        subscriptionMinClips: 2,
        subscriptionIntervalSeconds: 90,
      }),
    ).toEqual({ minClips: 2, windowSeconds: 90 });
  });

  it("PADRAO and RAPIDO take their preset's min; the window stays the subscription's", () => {
    expect(userThreshold({ ...base, monitorMode: 'PADRAO' })).toEqual({
      minClips: 3,
      windowSeconds: 180,
    });
    expect(userThreshold({ ...base, monitorMode: 'RAPIDO', liveViewerCount: 500 }).minClips).toBe(
      2,
    );
    expect(userThreshold({ ...base, monitorMode: 'RAPIDO' }).minClips).toBe(1);
    expect(
      userThreshold({ ...base, monitorMode: 'PADRAO', subscriptionIntervalSeconds: 60 })
        .windowSeconds,
    ).toBe(60);
  });

  it('gives the SQL the same per-mode parameters', () => {
    expect(modeMinClipsParameters(null)).toEqual({
      automatico: null,
      padrao: 3,
      rapido: 1,
      manualLive: false,
    });
    expect(modeMinClipsParameters(2_000)).toEqual({
      automatico: 3,
      padrao: 3,
      rapido: 3,
      manualLive: true,
    });
  });

  describe('clipsForUser', () => {
    const start = new Date('2026-01-01T00:00:00Z');
    const at = (seconds: number) => ({ createdAt: new Date(start.getTime() + seconds * 1000) });
    const clips = [at(0), at(30), at(60), at(150)];

    it('gives the clips within the window when they reach the min', () => {
      expect(clipsForUser(start, clips, { minClips: 3, windowSeconds: 60 })).toEqual(
        clips.slice(0, 3),
      );
      expect(clipsForUser(start, clips, { minClips: 4, windowSeconds: 180 })).toEqual(clips);
    });

    it('gives nothing when the window holds fewer than the min', () => {
      expect(clipsForUser(start, clips, { minClips: 4, windowSeconds: 60 })).toEqual([]);
    });
  });
});
