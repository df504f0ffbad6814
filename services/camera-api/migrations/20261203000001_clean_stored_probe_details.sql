-- Probes stored before details were cleaned may quote ffmpeg's output
-- verbatim, and with it a camera URL whose password the masking of that time
-- missed (a password containing a quote). Their code stays; the words go.
UPDATE camera_probes
   SET result = jsonb_set(result, '{detail}', '"ffmpeg could not read the stream"')
 WHERE result->>'code' = 'FFMPEG_EXIT';
