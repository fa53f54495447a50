// Benchmark of picture uploads (not a test): what re-encoding a picture costs (wall and CPU time,
// in this process), the latency of `PUT /api/users/me/avatar` for the same pictures one at a time,
// and check-auth while several uploads run at once.
// Usage: npm run bench:pictures   (builds, then runs dist/main.js, pictures on local disk)
// Env: BENCH_SAMPLES (default 20) per picture and figure; BENCH_SECONDS (default 10) for the last one.
import sharp from 'sharp';
import { ImageReencoder } from '../dist/media/image-reencoder.js';
import { validateImage } from '../dist/media/image-validator.js';
import { report, run, seconds } from './support/autocannon.mjs';
import { describeMachine, percentile, signUp, startServer } from './support/server.mjs';

const samples = Number(process.env.BENCH_SAMPLES ?? 20);
const password = 'bench-password-violet-kettle';

/** A smooth picture, closer to a photo than noise: blurred noise compresses as photos do. */
const photo = (width, height) =>
  sharp({
    create: {
      width,
      height,
      channels: 3,
      background: '#808080',
      noise: { type: 'gaussian', mean: 128, sigma: 60 },
    },
  })
    .blur(4)
    .jpeg({ quality: 85 })
    .toBuffer();

const pictures = {
  'PNG avatar, 400 x 400': await sharp(await photo(400, 400))
    .png()
    .toBuffer(),
  'JPEG photo, 1600 x 1200': await photo(1600, 1200),
  'JPEG phone photo, 4000 x 3000': await photo(4000, 3000),
};

console.log(`machine: ${describeMachine()}`);
console.log(`${samples} runs per picture and figure\n`);

const reencoder = new ImageReencoder();
for (const [name, bytes] of Object.entries(pictures)) {
  const image = await validateImage(bytes, 5 * 1024 * 1024);
  await reencoder.reencode(image, 'avatar'); // warm-up
  const times = [];
  const cpuBefore = process.cpuUsage();
  for (let n = 0; n < samples; n++) {
    const started = performance.now();
    await reencoder.reencode(image, 'avatar');
    times.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  times.sort((a, b) => a - b);
  const cpuMs = (cpu.user + cpu.system) / 1000 / samples;
  console.log(
    `re-encode as an avatar, ${name}: p50 ${percentile(times, 50).toFixed(1)} ms, ` +
      `${cpuMs.toFixed(1)} ms of CPU per picture`,
  );
}
console.log();

const server = await startServer({ RATE_LIMIT_AUTH_PER_MINUTE: '0', BCRYPT_COST: '4', REDIS_URL: '' });
const { base } = server;

try {
  const { cookie } = await signUp(base, `bench-${Date.now()}@example.com`, password);
  for (const [name, bytes] of Object.entries(pictures)) {
    await upload(base, cookie, bytes); // warm-up
    const times = [];
    for (let n = 0; n < samples; n++) times.push(await upload(base, cookie, bytes));
    times.sort((a, b) => a - b);
    const kB = Math.round(bytes.length / 1024);
    console.log(
      `upload as an avatar, ${name} (${kB} kB): p50 ${percentile(times, 50).toFixed(1)} ms, p95 ${percentile(times, 95).toFixed(1)} ms`,
    );
  }

  // Uploads keep the cores busy; check-auth must still be answered.
  let uploading = true;
  const uploaders = Array.from({ length: 4 }, async () => {
    while (uploading) await upload(base, cookie, pictures['JPEG phone photo, 4000 x 3000']);
  });
  console.log();
  report(
    'check-auth during 4 concurrent phone-photo uploads (20 connections)',
    await run({ url: `${base}/api/auth/check`, headers: { cookie }, connections: 20 }),
  );
  uploading = false;
  await Promise.all(uploaders);
  console.log(`(${seconds} s)`);
} finally {
  await server.stop();
}

async function upload(base, cookie, bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), 'picture');
  const started = performance.now();
  const res = await fetch(`${base}/api/users/me/avatar`, { method: 'PUT', headers: { cookie }, body: form });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`upload answered ${res.status}`);
  return performance.now() - started;
}
