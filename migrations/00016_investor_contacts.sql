-- +goose Up
-- Whom an investor asks: a province's office that answers for its clusters, where a source
-- publishes one. The site finder offers it for every site whose own contact no source gives
-- (most of them), so that "free land unknown — ask" has someone to ask.
--
-- No foreign key to admin_units: the register is seeded after the migrations run; the code is
-- the province's (52: Gia Lai since 1 July 2025).
CREATE TABLE province_contacts (
  province_code text PRIMARY KEY CHECK (province_code ~ '^[0-9]{2}$'),
  name_vi       text NOT NULL CHECK (btrim(name_vi) <> ''),
  name_en       text NOT NULL CHECK (btrim(name_en) <> ''),
  email         text CHECK (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$'),
  phone         text CHECK (phone ~ '^\+?[0-9 .]{8,20}$'),
  url           text CHECK (url ~ '^https?://'),
  as_of         date NOT NULL,
  sources       text[] NOT NULL CHECK (sources_ok(sources)),
  CHECK (email IS NOT NULL OR phone IS NOT NULL OR url IS NOT NULL)
);

-- The merged province's investor hotline (the page also prints two officials' mobile numbers,
-- left out here: the centre's address is enough to reach them). The Department of Industry and
-- Trade's own address, phone and site are not in any page found (docs/sources/contacts.md).
INSERT INTO province_contacts (province_code, name_vi, name_en, email, url, as_of, sources) VALUES
  ('52', 'Trung tâm Xúc tiến Đầu tư tỉnh Gia Lai (Sở Tài chính)', 'Gia Lai Investment Promotion Center (Department of Finance)',
   'ipcgialai@gmail.com',
   'https://invest.gialai.gov.vn/printen/955-Gia-Lai-Province-announces-Hotline-for-addressing-issues-and-concerns-of-businesses-and-investors.html',
   '2026-01-02',
   ARRAY['invest.gialai.gov.vn, 02/01/2026: Gia Lai Province announces Hotline for addressing issues and concerns of businesses and investors ("The hotline email address is: ipcgialai@gmail.com, Investment Promotion Center") — https://invest.gialai.gov.vn/printen/955-Gia-Lai-Province-announces-Hotline-for-addressing-issues-and-concerns-of-businesses-and-investors.html']);

GRANT SELECT ON province_contacts TO clustermap_editor;

-- +goose Down
DROP TABLE province_contacts;
