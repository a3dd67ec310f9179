// Drive trackhub's collector with the real RAGE JS tracker (npm xapi-tracker@0.9.2).
// usage: node run.js <host, e.g. http://127.0.0.1:3000/> <trackingCode> [userToken]
// userToken: empty = new anonymous player; a playerId = resume; "Bearer <jwt>" = identified.
// Prints one JSON line {stage, start?, ok?, err?} and exits 0 only when start and flush succeeded.
'use strict';
const TrackerAsset = require('xapi-tracker/src/js-tracker');

const [host, trackingCode, userToken] = process.argv.slice(2);
const tracker = new TrackerAsset();
Object.assign(tracker.settings, {host, trackingCode, userToken: userToken || '', debug: false, backupStorage: false});

const timer = setTimeout(() => {
  console.log(JSON.stringify({stage: 'timeout'}));
  process.exit(4);
}, 20000);

tracker.Start((startData, err) => {
  if (err) {
    console.log(JSON.stringify({stage: 'start', err: startData}));
    process.exit(2);
  }
  tracker.Completable.Initialized('level1', tracker.Completable.CompletableType.Level);
  tracker.setVar('health', 0.5);
  tracker.Alternative.Selected('q1', 'optionA', tracker.Alternative.AlternativeType.Question);
  tracker.Completable.Completed('level1', tracker.Completable.CompletableType.Level, true, 0.8);
  tracker.Flush((res, flushErr) => {
    clearTimeout(timer);
    console.log(JSON.stringify({stage: 'flush', start: startData, ok: !flushErr, res}));
    process.exit(flushErr ? 3 : 0);
  });
});
