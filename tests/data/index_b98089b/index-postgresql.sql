--
-- PostgreSQL database dump
--

\restrict iwqeFHUpJdeMz818zG8iY14fg8J8cEihinTsOlEygCPBAPQhm1BUjgtp4OUyScP

-- Dumped from database version 15.20 (Debian 15.20-0+deb12u1)
-- Dumped by pg_dump version 15.20 (Debian 15.20-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: anchor; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.anchor (
    root character varying(66) NOT NULL,
    sequence integer NOT NULL,
    kind integer NOT NULL,
    action integer,
    party character varying(42) NOT NULL,
    count integer NOT NULL,
    metadata_hash character varying(66) NOT NULL,
    previous_anchor_hash character varying(66) NOT NULL,
    anchor_hash character varying(66) NOT NULL,
    tx_hash character varying(66) NOT NULL,
    block_number integer NOT NULL,
    "timestamp" integer,
    counterparty character varying(42),
    reference character varying(66),
    signature character varying(132),
    local boolean NOT NULL
);


--
-- Name: apitoken; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.apitoken (
    token_hash character varying(64) NOT NULL,
    "user" character varying(80) NOT NULL,
    label character varying(80) NOT NULL,
    created_at timestamp with time zone NOT NULL,
    expires_at timestamp with time zone
);


--
-- Name: batch; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.batch (
    root character varying(66) NOT NULL,
    brand character varying(42) NOT NULL,
    company_prefix character varying(12) NOT NULL,
    count integer NOT NULL,
    created_at timestamp with time zone NOT NULL,
    tree bytea NOT NULL
);


--
-- Name: container; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.container (
    sscc character varying(18) NOT NULL,
    parent character varying(18),
    created_by character varying(42) NOT NULL,
    created_at integer NOT NULL
);


--
-- Name: containercontent; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.containercontent (
    id integer NOT NULL,
    container character varying(18) NOT NULL,
    child_item character varying(66),
    child_container character varying(18),
    packed_anchor character varying(66) NOT NULL,
    packed_at integer NOT NULL,
    unpacked_anchor character varying(66),
    unpacked_at integer
);


--
-- Name: containercontent_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.containercontent_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: containercontent_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.containercontent_id_seq OWNED BY public.containercontent.id;


--
-- Name: event; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.event (
    event_hash character varying(66) NOT NULL,
    item_id character varying(66) NOT NULL,
    seq integer NOT NULL,
    action integer NOT NULL,
    actor character varying(42) NOT NULL,
    counterparty character varying(42) NOT NULL,
    "timestamp" integer NOT NULL,
    previous_hash character varying(66) NOT NULL,
    location text NOT NULL,
    anchor_root character varying(66) NOT NULL
);


--
-- Name: item; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.item (
    item_id character varying(66) NOT NULL,
    gtin character varying(14) NOT NULL,
    serial character varying(20) NOT NULL,
    lot character varying(20),
    expiry date,
    batch_root character varying(66) NOT NULL,
    brand character varying(42) NOT NULL,
    custodian character varying(42) NOT NULL,
    status character varying(16) NOT NULL,
    head_hash character varying(66) NOT NULL,
    open_shipment character varying(66)
);


--
-- Name: party; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.party (
    address character varying(42) NOT NULL,
    name character varying(80) NOT NULL,
    role character varying(16) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: pendingaction; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.pendingaction (
    root character varying(66) NOT NULL,
    kind character varying(16) NOT NULL,
    payload text NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: prefixbinding; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.prefixbinding (
    prefix character varying(12) NOT NULL,
    brand character varying(42) NOT NULL
);


--
-- Name: premises; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.premises (
    id integer NOT NULL,
    party character varying(42) NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    label character varying(80) NOT NULL
);


--
-- Name: premises_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.premises_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: premises_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.premises_id_seq OWNED BY public.premises.id;


--
-- Name: scan; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.scan (
    id integer NOT NULL,
    item_id character varying(66) NOT NULL,
    key character varying(64) NOT NULL,
    "timestamp" integer NOT NULL,
    lat double precision,
    lon double precision,
    site character varying(80) NOT NULL,
    party character varying(42),
    verdict character varying(12) NOT NULL,
    reasons character varying(400) NOT NULL
);


--
-- Name: scan_id_seq; Type: SEQUENCE; Schema: public; Owner: -
--

CREATE SEQUENCE public.scan_id_seq
    AS integer
    START WITH 1
    INCREMENT BY 1
    NO MINVALUE
    NO MAXVALUE
    CACHE 1;


--
-- Name: scan_id_seq; Type: SEQUENCE OWNED BY; Schema: public; Owner: -
--

ALTER SEQUENCE public.scan_id_seq OWNED BY public.scan.id;


--
-- Name: shipment; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.shipment (
    root character varying(66) NOT NULL,
    sender character varying(42) NOT NULL,
    receiver character varying(42) NOT NULL,
    count integer NOT NULL,
    state character varying(16) NOT NULL,
    receipt_root character varying(66)
);


--
-- Name: submission; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.submission (
    token character varying(64) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: synccursor; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.synccursor (
    id integer NOT NULL,
    next_block integer NOT NULL
);


--
-- Name: webuser; Type: TABLE; Schema: public; Owner: -
--

CREATE TABLE public.webuser (
    name character varying(80) NOT NULL,
    party character varying(42) NOT NULL,
    password_hash character varying(200) NOT NULL,
    created_at timestamp with time zone NOT NULL
);


--
-- Name: containercontent id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.containercontent ALTER COLUMN id SET DEFAULT nextval('public.containercontent_id_seq'::regclass);


--
-- Name: premises id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.premises ALTER COLUMN id SET DEFAULT nextval('public.premises_id_seq'::regclass);


--
-- Name: scan id; Type: DEFAULT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scan ALTER COLUMN id SET DEFAULT nextval('public.scan_id_seq'::regclass);


--
-- Data for Name: anchor; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.anchor VALUES ('0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', 0, 0, NULL, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 8, '0x1ed8e9be0892b5cd908707810143c508eaa95fda5716b2c64c0dadaf6624097f', '0x0000000000000000000000000000000000000000000000000000000000000000', '0x7da606e7d4d788783ddf25e92b23c62673f0195e9d3ca88a97f2a7e5b7f34e59', '0xb6496fa4a0e40d158521d0be7091fa8fbc1e59d88325c9c43ccc5103a9a66cd7', 12, 1795989778, NULL, NULL, '0x6fbf9f454f91e05e8450ae0348dd88137e9738eb1d0ce72a749e3841e90f7d1e4181f3451b1033bb6e8376b9a495618972549403cb1c24a04ec26ee06bfac29b1c', true);
INSERT INTO public.anchor VALUES ('0x5aa898e409ecf01038431b84fb41a6838ac531c32fc213d1824a7d5428ee30fd', 1, 0, NULL, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 4, '0xafd1bb8cd9b6cde44b6068087669fd2b9ecfb786891eb23f19a140b053bb692f', '0x7da606e7d4d788783ddf25e92b23c62673f0195e9d3ca88a97f2a7e5b7f34e59', '0x00dd9a6e7fc7876b98b9ac3b9bd481bb0ce6690c741ca0c97016a28d6943ddc8', '0x188523b89729f571ed2a4791feef5a387ed3b001860ddeaac7dc2672c9f66338', 13, 1795989796, NULL, NULL, '0xf542daba8c8d3f984a6787f7cb1018ea99d16c5b140a1a855844557ff76ebf6328bf7c0bd40291407ccdccdbc00cbe9aa9ddaa46cd770f894c449c45965082761b', true);
INSERT INTO public.anchor VALUES ('0x64d36c4eb44db5b18353127ab0db677939cff703d164d86fa50baea4d34caacd', 2, 5, 9, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 2, '0x315c6915875f7b1fb21b008f0afd4e12395301e1ebb6ae38a34867355b64768e', '0x00dd9a6e7fc7876b98b9ac3b9bd481bb0ce6690c741ca0c97016a28d6943ddc8', '0x24848f65b08f2e0e741b3cef4bec0a646fd0271f54a4840ca99cc8c7f1bb944d', '0x65f49601c147c128d8691d62e8fd8ed72b90634039cda03ae8eb9331b22cba51', 14, 1795989810, '0x0000000000000000000000000000000000000000', '0x27568fd754ce84776d735ffbec7374e9517fc60d3ba8330071fa28588baf1ab2', '0x016c75e90629c1ee4b6fea67891f46a94b9cbe2fdadfd6ae7a32f645725312912ecc2b64cc891bb441da8b46716e86dad8890dcceb191082b2c5f9ff243e490c1b', true);
INSERT INTO public.anchor VALUES ('0xdf321bf10b3f87244dd95e2b72dfd458f3d975a27a43633a25c97af2a5ca3c64', 3, 1, 1, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 4, '0xbadd41c0b8ffb76e9cc775c8325f59bcc2ebc13d17407c686bb1fe51cea96b31', '0x24848f65b08f2e0e741b3cef4bec0a646fd0271f54a4840ca99cc8c7f1bb944d', '0x892ee6c44c09bbe5a5ecacda2ec7dd31dea556efc289980edd09f6138fc1f867', '0xc4743194ac99456eeca9ed90d88bdabf177a10c5a7be836470fd6daf9b741549', 15, 1795989827, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0x0000000000000000000000000000000000000000000000000000000000000000', '0x8f74aff35f9cc4b2dd35998dcc15d1224bf489bf0c98388e082a7a7d7059c2fe4187d70da9d45de18865fb393ec33cd39f530299173bfb2a750142c87765b5a51c', true);
INSERT INTO public.anchor VALUES ('0x6115c1a904b8e7f9111249793ba0faaca6d9e1298fb5946f61862e3c6bbbf210', 4, 2, 2, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 4, '0x3195f1e2dcf4cf28bfe3d7afb63dd1ac82b88187144601b6509e184410353328', '0x892ee6c44c09bbe5a5ecacda2ec7dd31dea556efc289980edd09f6138fc1f867', '0xeb4e2deeb53cc6f6caff13a251e27422a43a44ff5be950c229cc8327d2ce4981', '0x778138a3e9c8880417d26736da4416c42b7299bd5e1a17e84e80791f375c2820', 16, 1795989844, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xdf321bf10b3f87244dd95e2b72dfd458f3d975a27a43633a25c97af2a5ca3c64', '0x1b3359d6101f3cd47db2bb3cbf3ed579199b101c87e719d3106f6df84b668bb93d74e5a447dd7433e476037381191ee06b9c8d27de04ffbd09d3da5c536ab7881b', true);
INSERT INTO public.anchor VALUES ('0xce145290fafae9409faba930bcf7838ea279d4fd03a89cf97dacb68ba23c6e9d', 5, 1, 1, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 2, '0xb3fc7d155dc58cf094e0780d89d9e9adc6869cdd0ff6991d2d75b62de1921f2d', '0xeb4e2deeb53cc6f6caff13a251e27422a43a44ff5be950c229cc8327d2ce4981', '0xfd432a879726eb6738cb1c0695026706066f0f64b0d0e5dce423cef1cf317336', '0x1eed28ccd1a847e09b03db449f813eb403386418a5970508679eca3ae4837858', 17, 1795989864, '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', '0x0000000000000000000000000000000000000000000000000000000000000000', '0x5ea07e23a7a19f526a6f8132e5308b423f14b2e87813cf78077a5e124ced2c037f3d49c850e0474628b9fe8f412982ed53785e2e44b3d0c2d836f411c9faf8461b', true);
INSERT INTO public.anchor VALUES ('0x6b14675cb0bbf80926f17999ed6f22ce7c00ecb005141762c0957b1f42c04ad7', 6, 2, 2, '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', 2, '0x0b2ce8be27fb2940f9627f0e7cb3d15e33d6aee7b7cc3ce1dd3d329457cd024a', '0xfd432a879726eb6738cb1c0695026706066f0f64b0d0e5dce423cef1cf317336', '0x28487369a6a18d56c4a7ceacb905c891dbd9e1dc472446c13a80c47a59bef871', '0x88d0965e29949fee09afadd2cb36a5beb834077f7a35aba95fff7fc687af8f5d', 18, 1795989883, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0xce145290fafae9409faba930bcf7838ea279d4fd03a89cf97dacb68ba23c6e9d', '0x62e9bb62587aeb82d782cb750956a021f869a0d321ca76f708738f8c010d08910221ec97c51116e12ecfacf04218319e7d007038e248a31d528376f6a4cb46521c', true);
INSERT INTO public.anchor VALUES ('0xc7ca0c6631738273e75011180faf43e6e27eb5ec175bf74c280e79e073e4580d', 7, 3, 5, '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', 1, '0xf401fcc5996e75772816318bf1bb4a9d601a6ace8a8bfd4dbddf17a3536b1bf4', '0x28487369a6a18d56c4a7ceacb905c891dbd9e1dc472446c13a80c47a59bef871', '0x23f739ecbae41e88b0e2cc522336f1605d8e43c136eacce868dfa9eb54271646', '0x886ec674ece97e7e4bf64e2778fc0d7fd413a537e1729b0fb3170e5427202acb', 19, 1795989896, '0x0000000000000000000000000000000000000000', '0x0000000000000000000000000000000000000000000000000000000000000000', '0x91cbfcf7d3f9f753c9f042a2f8a9312c2aa34ffad59361a47301cd52f787b9151171680c8be9908a43502546d1397f59eaec8508a6cdc2fcf61e93c01211c8df1c', true);
INSERT INTO public.anchor VALUES ('0xeb8334faeacb40c0c4fa74a4b35297767dfdf07ce0554e85486241d055957037', 8, 4, 8, '0xF597A5B62A7aB0009bD1c29eE15FB096E1F0e0e8', 1, '0x5ad800bc1e280478f32aea844858400db91e17a3cfdab63462ec60b9bf71654e', '0x23f739ecbae41e88b0e2cc522336f1605d8e43c136eacce868dfa9eb54271646', '0x39cb7ce252826d2249976dd03c7328a93aec34b0e4bb0e95efb60e4834d69226', '0x4929c21f9b9e88230bee5bf85862b9fa37bf721a8622c6519115a104df4f0055', 20, 1795989908, '0x0000000000000000000000000000000000000000', '0x7061737365640000000000000000000000000000000000000000000000000000', '0x322ec4897611a60e06fb7ffcbdff3b34d6adede9231c9ff6f497262c6a47c79f00542b82ddc3fa9d65cfee955122a224c0329f890cbe264c6d6a68d1edc6a0941b', true);
INSERT INTO public.anchor VALUES ('0x8c1146a8ccf1b20d853e5760113b333dfb3be8396c95028b494181a2ba26bb7d', 9, 3, 3, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 4, '0x0e5bb7daddb366eacfa15bba39bc7bc181210da9918b9d70b38cb0e91d93d681', '0x39cb7ce252826d2249976dd03c7328a93aec34b0e4bb0e95efb60e4834d69226', '0xc3eaa39b42240cf2264ab0d8c495850b51245bf7e1d5abf9c8ff8c55d24b07d5', '0x604c89c6ff14a4d726284217ff20e23938332833e2730411f4e94ce4d9583581', 21, 1795989922, '0x0000000000000000000000000000000000000000', '0x0000000000000000000000000000000000000000000000000000000000000000', '0x1f9cdc407b0d03cef73a9764c41dfe13ba76c8d90380648c51538a7e1d06a6852326a3538d39958cb223ffee25b1aedfdfaf1fcefc61746775bef06e17e48c0f1b', true);
INSERT INTO public.anchor VALUES ('0xa9f258bde4ef7bcb511bc013a516a90f9147e242a8e70ec228f9125459c1a6a8', 10, 1, 1, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 2, '0x92d3f2bfc3882d0adddbd841b7b471d7e8b8467f8246d1422763ef9f6fb4534e', '0xc3eaa39b42240cf2264ab0d8c495850b51245bf7e1d5abf9c8ff8c55d24b07d5', '0x3d623b3d537361ded88be0d3dbbe5285acbb80746d5d089617396eb6fbd158aa', '0xeaa78d1a22e438fd0e1557e93315aae6cea2b9fca2d59dcad83c5d75ca789ecc', 22, 1795989938, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0x0000000000000000000000000000000000000000000000000000000000000000', '0x7b65ea721905a9a634b4982b4fd8638fa83ca5d697adb2cda9db725c1392d3b554dc3504f10c96c24f6937cfea34ea0e388f9593e927b1699ac761141ca590871b', true);


--
-- Data for Name: apitoken; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.apitoken VALUES ('58d52d8622fdde9cfdceb44e1f023aa510802bac485765c110085565217456c5', 'clerk', 'scanner', '2026-11-29 22:06:08.080306+00', NULL);


--
-- Data for Name: batch; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.batch VALUES ('0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '9521234', 8, '2026-11-29 22:02:58+00', '\x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076d4f0b15e37b5a113c35929f73cdbe097bf1432675cb0281c5c55095e89ffae029bc75d6ea58397708c9e44f2721e43c05fc1f6f0a707c80bad841cc3ce5e1be1cc05e1382c181ec4de5dbfe333d8678bf93f4cecb1a6a7acd2181d6ce382af8264952b1996d4eb1c80fc373ac3dbc2f559f20483a3c8ebf0a63cbf20fd101a9a1d52c6f97cdd9648095116d37eb135faf37d38a948eef348c9cbb3de268c7cdba1e99654a91473b104d98b2fb27b0eaa9ad71676eb8180d09cd6f2a04f5664aae5bea4a1b0302e8b332a4e2625947d2dde0a57b06476a7dcd0520096e729ee4be502840f67792845da597a5a57831ca5aa2a5206cc5e242edb30ddd24c3596b2c9ed530ebcf4071b2a2cfc9ae45e8ac4a75fb8aea64d2ff1d977086436928f37b52ada30990c6bcde4b918880b1995050ef4394d35712b106335b6625475b00e5c9f4bfa23fa436d433528299426fb101f5f4f938227506a4d2b4be90813d0ae50d1d1ba85e8a16a208e39aac1dbabbd2b01944cd33e57ad883bb8e170c18c4436b5f0de1a3dcd988985cda223e7789133cda355c6a175166ad74f8a025386141308d9f625759475e853cbdf46b40d380e1c14aa8cf1c3ffca36ec865f5d379d');
INSERT INTO public.batch VALUES ('0x5aa898e409ecf01038431b84fb41a6838ac531c32fc213d1824a7d5428ee30fd', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '9521234', 4, '2026-11-29 22:03:16+00', '\x5aa898e409ecf01038431b84fb41a6838ac531c32fc213d1824a7d5428ee30fd380f630693394fb02c9a355d1714e6693e91e13ddfca455bdcfe512b4b20e6dc0ebb1d15aa0fffaa4f93baab361567d6e27ed10cd1be233d9600f7734c399739fa2d910565f13b357c9225101bb4f48ba22d9a2941f95102b264bd7b393138fbc9fa0be0c0141ef897017fbc92fde76bb3d179d18423a6e2126221669d9b643ab27b17f1e4b1c7a18de6b3c9bf16f6e2bd32f7e96d7827563a02187adacacedf9dbbd1b6839ee673b3ff2a0afba0b3b6dad8053e39fc70d95645ef005a987554');


--
-- Data for Name: container; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.container VALUES ('095212340000000013', NULL, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 1795989810);


--
-- Data for Name: containercontent; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.containercontent VALUES (1, '095212340000000013', '0x6d615742ceb3e22f696a408fb84c0ab49cf481177a45899c85404330acc2e5ac', NULL, '0x64d36c4eb44db5b18353127ab0db677939cff703d164d86fa50baea4d34caacd', 1795989810, NULL, NULL);
INSERT INTO public.containercontent VALUES (2, '095212340000000013', '0x57c84eebebb3c76824caf9d2653107d5e2c47df8465e1e9749102d4a407fade6', NULL, '0x64d36c4eb44db5b18353127ab0db677939cff703d164d86fa50baea4d34caacd', 1795989810, NULL, NULL);


--
-- Data for Name: event; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.event VALUES ('0x7cf811d1bfa95a9c5a0c5d26a713bfbd273be6fa5066f38a6b4afa5b12897511', '0x6d615742ceb3e22f696a408fb84c0ab49cf481177a45899c85404330acc2e5ac', 1, 9, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x0000000000000000000000000000000000000000', 1795989810, '0xe502840f67792845da597a5a57831ca5aa2a5206cc5e242edb30ddd24c3596b2', '', '0x64d36c4eb44db5b18353127ab0db677939cff703d164d86fa50baea4d34caacd');
INSERT INTO public.event VALUES ('0x72c88fb90912b1b1613c35cd349b26fcdf3e1bb44f0c06d16ee70ad82f903526', '0x57c84eebebb3c76824caf9d2653107d5e2c47df8465e1e9749102d4a407fade6', 1, 9, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x0000000000000000000000000000000000000000', 1795989810, '0x36b5f0de1a3dcd988985cda223e7789133cda355c6a175166ad74f8a02538614', '', '0x64d36c4eb44db5b18353127ab0db677939cff703d164d86fa50baea4d34caacd');
INSERT INTO public.event VALUES ('0xd875cb6b548a9ce80d06b15aaad101265ce324ef1a2f6d9ef47611e33ede5308', '0x430be50d16d6099b2159f805677b93ed4e17a96fa8ef9fab9200ff494354b600', 1, 1, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 1795989827, '0xe5bea4a1b0302e8b332a4e2625947d2dde0a57b06476a7dcd0520096e729ee4b', 'Antwerp', '0xdf321bf10b3f87244dd95e2b72dfd458f3d975a27a43633a25c97af2a5ca3c64');
INSERT INTO public.event VALUES ('0x6659117cd8a109689e5d9eab0bb496d3f4078513f35f3f095b9c47c4e29edcec', '0x6a552c763b2fdf8267ace48b40abff2fd3291fb46a9c8c2abbc1bcf46a50fab8', 1, 1, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 1795989827, '0x1308d9f625759475e853cbdf46b40d380e1c14aa8cf1c3ffca36ec865f5d379d', 'Antwerp', '0xdf321bf10b3f87244dd95e2b72dfd458f3d975a27a43633a25c97af2a5ca3c64');
INSERT INTO public.event VALUES ('0x2962801b4c9d57e51c19197483dc62cd5d94ad2f9ffa0a34e149df6d573906e9', '0x6d615742ceb3e22f696a408fb84c0ab49cf481177a45899c85404330acc2e5ac', 2, 1, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 1795989827, '0x7cf811d1bfa95a9c5a0c5d26a713bfbd273be6fa5066f38a6b4afa5b12897511', 'Antwerp', '0xdf321bf10b3f87244dd95e2b72dfd458f3d975a27a43633a25c97af2a5ca3c64');
INSERT INTO public.event VALUES ('0xecf43df7b0d36abcaa7a4cfd117f9c3a98db087fb738b9ae7af85e2bb3cc5b9c', '0x57c84eebebb3c76824caf9d2653107d5e2c47df8465e1e9749102d4a407fade6', 2, 1, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 1795989827, '0x72c88fb90912b1b1613c35cd349b26fcdf3e1bb44f0c06d16ee70ad82f903526', 'Antwerp', '0xdf321bf10b3f87244dd95e2b72dfd458f3d975a27a43633a25c97af2a5ca3c64');
INSERT INTO public.event VALUES ('0xb13347f1977d91ceedb0a7a6579184dd0bebff3345a7bfa237e3fc860c54e9b8', '0x430be50d16d6099b2159f805677b93ed4e17a96fa8ef9fab9200ff494354b600', 2, 2, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 1795989844, '0xd875cb6b548a9ce80d06b15aaad101265ce324ef1a2f6d9ef47611e33ede5308', 'Antwerp', '0x6115c1a904b8e7f9111249793ba0faaca6d9e1298fb5946f61862e3c6bbbf210');
INSERT INTO public.event VALUES ('0xd8d7e33695247e83d2beb33665d02f9f9baf4e9e62deeb8a4fd8b9c2b0abf825', '0x6a552c763b2fdf8267ace48b40abff2fd3291fb46a9c8c2abbc1bcf46a50fab8', 2, 2, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 1795989844, '0x6659117cd8a109689e5d9eab0bb496d3f4078513f35f3f095b9c47c4e29edcec', 'Antwerp', '0x6115c1a904b8e7f9111249793ba0faaca6d9e1298fb5946f61862e3c6bbbf210');
INSERT INTO public.event VALUES ('0xfd83a34301f781cd1581e51cdd3e51a23623316badada887f7339a9cda525082', '0x6d615742ceb3e22f696a408fb84c0ab49cf481177a45899c85404330acc2e5ac', 3, 2, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 1795989844, '0x2962801b4c9d57e51c19197483dc62cd5d94ad2f9ffa0a34e149df6d573906e9', 'Antwerp', '0x6115c1a904b8e7f9111249793ba0faaca6d9e1298fb5946f61862e3c6bbbf210');
INSERT INTO public.event VALUES ('0x7498818ac173acced75795c34e6efb7b3c71eb00b4309f4cf1417598193bc6ab', '0x57c84eebebb3c76824caf9d2653107d5e2c47df8465e1e9749102d4a407fade6', 3, 2, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 1795989844, '0xecf43df7b0d36abcaa7a4cfd117f9c3a98db087fb738b9ae7af85e2bb3cc5b9c', 'Antwerp', '0x6115c1a904b8e7f9111249793ba0faaca6d9e1298fb5946f61862e3c6bbbf210');
INSERT INTO public.event VALUES ('0x6f21ab5a0ecf178defbe407f44bb8c57271098c560ce01184c77d85f25060736', '0x430be50d16d6099b2159f805677b93ed4e17a96fa8ef9fab9200ff494354b600', 3, 1, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', 1795989864, '0xb13347f1977d91ceedb0a7a6579184dd0bebff3345a7bfa237e3fc860c54e9b8', '', '0xce145290fafae9409faba930bcf7838ea279d4fd03a89cf97dacb68ba23c6e9d');
INSERT INTO public.event VALUES ('0xc0bd12db3ed1321d9982d0e6345537e4bc4edea0dd9d37d77269ef9a4dea2203', '0x6a552c763b2fdf8267ace48b40abff2fd3291fb46a9c8c2abbc1bcf46a50fab8', 3, 1, '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', 1795989864, '0xd8d7e33695247e83d2beb33665d02f9f9baf4e9e62deeb8a4fd8b9c2b0abf825', '', '0xce145290fafae9409faba930bcf7838ea279d4fd03a89cf97dacb68ba23c6e9d');
INSERT INTO public.event VALUES ('0xb79cf6a61d08ba16ae8026b1628d607d135aa581b5d4e04d8afb48808e61b3a7', '0x430be50d16d6099b2159f805677b93ed4e17a96fa8ef9fab9200ff494354b600', 4, 2, '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 1795989883, '0x6f21ab5a0ecf178defbe407f44bb8c57271098c560ce01184c77d85f25060736', 'Rotterdam', '0x6b14675cb0bbf80926f17999ed6f22ce7c00ecb005141762c0957b1f42c04ad7');
INSERT INTO public.event VALUES ('0x0374ae26f0f9d5257d6eca520888cb876e6e78b51bbc1b8301404febaa235d74', '0x6a552c763b2fdf8267ace48b40abff2fd3291fb46a9c8c2abbc1bcf46a50fab8', 4, 2, '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 1795989883, '0xc0bd12db3ed1321d9982d0e6345537e4bc4edea0dd9d37d77269ef9a4dea2203', 'Rotterdam', '0x6b14675cb0bbf80926f17999ed6f22ce7c00ecb005141762c0957b1f42c04ad7');
INSERT INTO public.event VALUES ('0x091914fd763965231e0b94482233d0b0a68056c1688be2433566ccbd3675c766', '0x430be50d16d6099b2159f805677b93ed4e17a96fa8ef9fab9200ff494354b600', 5, 5, '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', '0x0000000000000000000000000000000000000000', 1795989896, '0xb79cf6a61d08ba16ae8026b1628d607d135aa581b5d4e04d8afb48808e61b3a7', '', '0xc7ca0c6631738273e75011180faf43e6e27eb5ec175bf74c280e79e073e4580d');
INSERT INTO public.event VALUES ('0xf68b2fee81a51846ded3243f93f0161e6f4ac1373cc54924c9fbcc9a00e9a6fd', '0x6a552c763b2fdf8267ace48b40abff2fd3291fb46a9c8c2abbc1bcf46a50fab8', 5, 8, '0xF597A5B62A7aB0009bD1c29eE15FB096E1F0e0e8', '0x0000000000000000000000000000000000000000', 1795989908, '0x0374ae26f0f9d5257d6eca520888cb876e6e78b51bbc1b8301404febaa235d74', 'Rotterdam', '0xeb8334faeacb40c0c4fa74a4b35297767dfdf07ce0554e85486241d055957037');
INSERT INTO public.event VALUES ('0x99454c89327ed18122c26eff03a6c9f126ae8de707dd4ca8ca36bc0ba9e9025d', '0x1d162a9f82ea7a0bf59e1f77ebc43e9c2d89e1cda9f4e0e73605e22a46a92a04', 1, 3, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x0000000000000000000000000000000000000000', 1795989922, '0xfa2d910565f13b357c9225101bb4f48ba22d9a2941f95102b264bd7b393138fb', '', '0x8c1146a8ccf1b20d853e5760113b333dfb3be8396c95028b494181a2ba26bb7d');
INSERT INTO public.event VALUES ('0x03e3a556713cc01fae037f4720b228eff6e142b31a80963029d79bc8e140bce3', '0x4fdecabeb0a462123cfc94b7cf76e670211516808f9cd97dc56c941110c7ef7e', 1, 3, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x0000000000000000000000000000000000000000', 1795989922, '0xb27b17f1e4b1c7a18de6b3c9bf16f6e2bd32f7e96d7827563a02187adacacedf', '', '0x8c1146a8ccf1b20d853e5760113b333dfb3be8396c95028b494181a2ba26bb7d');
INSERT INTO public.event VALUES ('0x3baed237acf25d53f5f9b7a7d8d5c322d6aad7e077d7c4ef0bb6f1f8a4913a4f', '0xd2edb1e5b7829a99bbfc23eb4d3cfa8be87992fe047b1db8a5b55e270e63ac3e', 1, 3, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x0000000000000000000000000000000000000000', 1795989922, '0xc9fa0be0c0141ef897017fbc92fde76bb3d179d18423a6e2126221669d9b643a', '', '0x8c1146a8ccf1b20d853e5760113b333dfb3be8396c95028b494181a2ba26bb7d');
INSERT INTO public.event VALUES ('0x641da247659ea1e5216956266b0d0bb7060afd3c872fe2e0435cb6d72410eed7', '0xf860ab4424d59c3844b64ced5ff0df82b22a30924991289d61deb1374571ad9c', 1, 3, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x0000000000000000000000000000000000000000', 1795989922, '0x9dbbd1b6839ee673b3ff2a0afba0b3b6dad8053e39fc70d95645ef005a987554', '', '0x8c1146a8ccf1b20d853e5760113b333dfb3be8396c95028b494181a2ba26bb7d');
INSERT INTO public.event VALUES ('0xb2911eb8be8f941380ad277cecb1e72ed88e1b636e3971c237194ccd9ac13267', '0x4f865bdac3267ce41900eb490df64d100ae60de8026be7c5aaaa389eba2c8bf2', 1, 1, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 1795989938, '0x50d1d1ba85e8a16a208e39aac1dbabbd2b01944cd33e57ad883bb8e170c18c44', '', '0xa9f258bde4ef7bcb511bc013a516a90f9147e242a8e70ec228f9125459c1a6a8');
INSERT INTO public.event VALUES ('0xa4881e1ae7a17e584bae0bc1dc61b3936209e3f199665d26fc0d537f1dde1539', '0x2125e330baa176ad20f5f34db367f2a873fff7fd70955ae0de243717220175ab', 1, 1, '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 1795989938, '0x5c9f4bfa23fa436d433528299426fb101f5f4f938227506a4d2b4be90813d0ae', '', '0xa9f258bde4ef7bcb511bc013a516a90f9147e242a8e70ec228f9125459c1a6a8');


--
-- Data for Name: item; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.item VALUES ('0x770222581f876c22caf7ecfc1d678569d6ec7ed131eaab91887226dbbe3d3a16', '09521234543213', '7', 'L1', '2030-12-31', '0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 'active', '0xc9ed530ebcf4071b2a2cfc9ae45e8ac4a75fb8aea64d2ff1d977086436928f37', NULL);
INSERT INTO public.item VALUES ('0xe72dbd879967a65c20da6cade6771479ff0c09100c001ded94dfdbfd1eb28ce5', '09521234543213', '8', 'L1', '2030-12-31', '0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 'active', '0xb52ada30990c6bcde4b918880b1995050ef4394d35712b106335b6625475b00e', NULL);
INSERT INTO public.item VALUES ('0x6d615742ceb3e22f696a408fb84c0ab49cf481177a45899c85404330acc2e5ac', '09521234543213', '1', 'L1', '2030-12-31', '0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 'active', '0xfd83a34301f781cd1581e51cdd3e51a23623316badada887f7339a9cda525082', NULL);
INSERT INTO public.item VALUES ('0x57c84eebebb3c76824caf9d2653107d5e2c47df8465e1e9749102d4a407fade6', '09521234543213', '2', 'L1', '2030-12-31', '0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 'active', '0x7498818ac173acced75795c34e6efb7b3c71eb00b4309f4cf1417598193bc6ab', NULL);
INSERT INTO public.item VALUES ('0x430be50d16d6099b2159f805677b93ed4e17a96fa8ef9fab9200ff494354b600', '09521234543213', '3', 'L1', '2030-12-31', '0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', 'sold', '0x091914fd763965231e0b94482233d0b0a68056c1688be2433566ccbd3675c766', NULL);
INSERT INTO public.item VALUES ('0x6a552c763b2fdf8267ace48b40abff2fd3291fb46a9c8c2abbc1bcf46a50fab8', '09521234543213', '4', 'L1', '2030-12-31', '0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', 'active', '0xf68b2fee81a51846ded3243f93f0161e6f4ac1373cc54924c9fbcc9a00e9a6fd', NULL);
INSERT INTO public.item VALUES ('0x1d162a9f82ea7a0bf59e1f77ebc43e9c2d89e1cda9f4e0e73605e22a46a92a04', '09521234543213', '103', 'L2', NULL, '0x5aa898e409ecf01038431b84fb41a6838ac531c32fc213d1824a7d5428ee30fd', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 'recalled', '0x99454c89327ed18122c26eff03a6c9f126ae8de707dd4ca8ca36bc0ba9e9025d', NULL);
INSERT INTO public.item VALUES ('0x4fdecabeb0a462123cfc94b7cf76e670211516808f9cd97dc56c941110c7ef7e', '09521234543213', '102', 'L2', NULL, '0x5aa898e409ecf01038431b84fb41a6838ac531c32fc213d1824a7d5428ee30fd', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 'recalled', '0x03e3a556713cc01fae037f4720b228eff6e142b31a80963029d79bc8e140bce3', NULL);
INSERT INTO public.item VALUES ('0xd2edb1e5b7829a99bbfc23eb4d3cfa8be87992fe047b1db8a5b55e270e63ac3e', '09521234543213', '100', 'L2', NULL, '0x5aa898e409ecf01038431b84fb41a6838ac531c32fc213d1824a7d5428ee30fd', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 'recalled', '0x3baed237acf25d53f5f9b7a7d8d5c322d6aad7e077d7c4ef0bb6f1f8a4913a4f', NULL);
INSERT INTO public.item VALUES ('0xf860ab4424d59c3844b64ced5ff0df82b22a30924991289d61deb1374571ad9c', '09521234543213', '101', 'L2', NULL, '0x5aa898e409ecf01038431b84fb41a6838ac531c32fc213d1824a7d5428ee30fd', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 'recalled', '0x641da247659ea1e5216956266b0d0bb7060afd3c872fe2e0435cb6d72410eed7', NULL);
INSERT INTO public.item VALUES ('0x4f865bdac3267ce41900eb490df64d100ae60de8026be7c5aaaa389eba2c8bf2', '09521234543213', '5', 'L1', '2030-12-31', '0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 'active', '0xb2911eb8be8f941380ad277cecb1e72ed88e1b636e3971c237194ccd9ac13267', '0xa9f258bde4ef7bcb511bc013a516a90f9147e242a8e70ec228f9125459c1a6a8');
INSERT INTO public.item VALUES ('0x2125e330baa176ad20f5f34db367f2a873fff7fd70955ae0de243717220175ab', '09521234543213', '6', 'L1', '2030-12-31', '0x8310b64588d635185e5dba8d8894d916484b88d8967ffbb4cd8e5346dcea5076', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 'active', '0xa4881e1ae7a17e584bae0bc1dc61b3936209e3f199665d26fc0d537f1dde1539', '0xa9f258bde4ef7bcb511bc013a516a90f9147e242a8e70ec228f9125459c1a6a8');


--
-- Data for Name: party; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.party VALUES ('0xc24223e18d3Ddf29D2691f32FE417Faa71902575', 'admin', 'admin', '2026-11-29 22:01:07.580123+00');
INSERT INTO public.party VALUES ('0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', 'acme', 'brand', '2026-11-29 22:01:27.116492+00');
INSERT INTO public.party VALUES ('0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 'truck', 'carrier', '2026-11-29 22:01:45.069508+00');
INSERT INTO public.party VALUES ('0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', 'shop', 'retailer', '2026-11-29 22:02:04.158249+00');
INSERT INTO public.party VALUES ('0xF597A5B62A7aB0009bD1c29eE15FB096E1F0e0e8', 'customs', 'officer', '2026-11-29 22:02:21.031714+00');


--
-- Data for Name: pendingaction; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: prefixbinding; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.prefixbinding VALUES ('9521234', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7');


--
-- Data for Name: premises; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.premises VALUES (1, '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', 51.92, 4.48, 'Rotterdam store');


--
-- Data for Name: scan; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.scan VALUES (1, '0x6a552c763b2fdf8267ace48b40abff2fd3291fb46a9c8c2abbc1bcf46a50fab8', '/01/09521234543213/21/4', 1795989984, 51.92, 4.48, 'Rotterdam', NULL, 'counterfeit', 'MISSING_SIGNATURE');
INSERT INTO public.scan VALUES (2, '0xd2edb1e5b7829a99bbfc23eb4d3cfa8be87992fe047b1db8a5b55e270e63ac3e', '/01/09521234543213/21/100', 1795989984, NULL, NULL, '', NULL, 'counterfeit', 'MISSING_SIGNATURE,RECALLED');
INSERT INTO public.scan VALUES (3, '0x770222581f876c22caf7ecfc1d678569d6ec7ed131eaab91887226dbbe3d3a16', '/01/09521234543213/21/7', 1795989984, 52.37, 4.9, 'Amsterdam', NULL, 'counterfeit', 'MISSING_SIGNATURE');


--
-- Data for Name: shipment; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.shipment VALUES ('0xdf321bf10b3f87244dd95e2b72dfd458f3d975a27a43633a25c97af2a5ca3c64', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 4, 'received', '0x6115c1a904b8e7f9111249793ba0faaca6d9e1298fb5946f61862e3c6bbbf210');
INSERT INTO public.shipment VALUES ('0xce145290fafae9409faba930bcf7838ea279d4fd03a89cf97dacb68ba23c6e9d', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', 2, 'received', '0x6b14675cb0bbf80926f17999ed6f22ce7c00ecb005141762c0957b1f42c04ad7');
INSERT INTO public.shipment VALUES ('0xa9f258bde4ef7bcb511bc013a516a90f9147e242a8e70ec228f9125459c1a6a8', '0x001B2A5979E065EF2D765E53d09E24f3C0c233a7', '0xcBF2D87Eb8e06e3663685d8Fa13f34f09B2aB872', 2, 'open', NULL);


--
-- Data for Name: submission; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: synccursor; Type: TABLE DATA; Schema: public; Owner: -
--



--
-- Data for Name: webuser; Type: TABLE DATA; Schema: public; Owner: -
--

INSERT INTO public.webuser VALUES ('clerk', '0x51955E66c47AEF46D2Ba247800cEB67A3031Dcf8', '$argon2id$v=19$m=65536,t=3,p=4$yOVbIMLw4++TFRhONrhB2g$5UztK1WdRa50XE8KFw+soNAVk04eUOchUri7sBEV178', '2026-11-29 22:05:53.494883+00');


--
-- Name: containercontent_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.containercontent_id_seq', 2, true);


--
-- Name: premises_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.premises_id_seq', 1, true);


--
-- Name: scan_id_seq; Type: SEQUENCE SET; Schema: public; Owner: -
--

SELECT pg_catalog.setval('public.scan_id_seq', 3, true);


--
-- Name: anchor anchor_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.anchor
    ADD CONSTRAINT anchor_pkey PRIMARY KEY (root);


--
-- Name: apitoken apitoken_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apitoken
    ADD CONSTRAINT apitoken_pkey PRIMARY KEY (token_hash);


--
-- Name: batch batch_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.batch
    ADD CONSTRAINT batch_pkey PRIMARY KEY (root);


--
-- Name: container container_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.container
    ADD CONSTRAINT container_pkey PRIMARY KEY (sscc);


--
-- Name: containercontent containercontent_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.containercontent
    ADD CONSTRAINT containercontent_pkey PRIMARY KEY (id);


--
-- Name: event event_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.event
    ADD CONSTRAINT event_pkey PRIMARY KEY (event_hash);


--
-- Name: item item_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.item
    ADD CONSTRAINT item_pkey PRIMARY KEY (item_id);


--
-- Name: party party_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.party
    ADD CONSTRAINT party_pkey PRIMARY KEY (address);


--
-- Name: pendingaction pendingaction_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.pendingaction
    ADD CONSTRAINT pendingaction_pkey PRIMARY KEY (root);


--
-- Name: prefixbinding prefixbinding_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.prefixbinding
    ADD CONSTRAINT prefixbinding_pkey PRIMARY KEY (prefix);


--
-- Name: premises premises_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.premises
    ADD CONSTRAINT premises_pkey PRIMARY KEY (id);


--
-- Name: scan scan_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.scan
    ADD CONSTRAINT scan_pkey PRIMARY KEY (id);


--
-- Name: shipment shipment_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.shipment
    ADD CONSTRAINT shipment_pkey PRIMARY KEY (root);


--
-- Name: submission submission_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.submission
    ADD CONSTRAINT submission_pkey PRIMARY KEY (token);


--
-- Name: synccursor synccursor_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.synccursor
    ADD CONSTRAINT synccursor_pkey PRIMARY KEY (id);


--
-- Name: webuser webuser_pkey; Type: CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webuser
    ADD CONSTRAINT webuser_pkey PRIMARY KEY (name);


--
-- Name: ix_anchor_block_number; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_anchor_block_number ON public.anchor USING btree (block_number);


--
-- Name: ix_anchor_party; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_anchor_party ON public.anchor USING btree (party);


--
-- Name: ix_anchor_sequence; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_anchor_sequence ON public.anchor USING btree (sequence);


--
-- Name: ix_apitoken_user; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_apitoken_user ON public.apitoken USING btree ("user");


--
-- Name: ix_batch_brand; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_batch_brand ON public.batch USING btree (brand);


--
-- Name: ix_container_parent; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_container_parent ON public.container USING btree (parent);


--
-- Name: ix_containercontent_child_container; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_containercontent_child_container ON public.containercontent USING btree (child_container);


--
-- Name: ix_containercontent_child_item; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_containercontent_child_item ON public.containercontent USING btree (child_item);


--
-- Name: ix_containercontent_container; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_containercontent_container ON public.containercontent USING btree (container);


--
-- Name: ix_containercontent_packed_anchor; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_containercontent_packed_anchor ON public.containercontent USING btree (packed_anchor);


--
-- Name: ix_containercontent_unpacked_anchor; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_containercontent_unpacked_anchor ON public.containercontent USING btree (unpacked_anchor);


--
-- Name: ix_event_anchor_root; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_anchor_root ON public.event USING btree (anchor_root);


--
-- Name: ix_event_item_id; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_event_item_id ON public.event USING btree (item_id);


--
-- Name: ix_item_batch_root; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_item_batch_root ON public.item USING btree (batch_root);


--
-- Name: ix_item_lot; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_item_lot ON public.item USING btree (lot);


--
-- Name: ix_item_open_shipment; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_item_open_shipment ON public.item USING btree (open_shipment) WHERE (open_shipment IS NOT NULL);


--
-- Name: ix_party_name; Type: INDEX; Schema: public; Owner: -
--

CREATE UNIQUE INDEX ix_party_name ON public.party USING btree (name);


--
-- Name: ix_prefixbinding_brand; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_prefixbinding_brand ON public.prefixbinding USING btree (brand);


--
-- Name: ix_premises_party; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_premises_party ON public.premises USING btree (party);


--
-- Name: ix_scan_item_time; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_scan_item_time ON public.scan USING btree (item_id, "timestamp", id);


--
-- Name: ix_shipment_receiver; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_shipment_receiver ON public.shipment USING btree (receiver);


--
-- Name: ix_shipment_sender; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_shipment_sender ON public.shipment USING btree (sender);


--
-- Name: ix_webuser_party; Type: INDEX; Schema: public; Owner: -
--

CREATE INDEX ix_webuser_party ON public.webuser USING btree (party);


--
-- Name: apitoken apitoken_user_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.apitoken
    ADD CONSTRAINT apitoken_user_fkey FOREIGN KEY ("user") REFERENCES public.webuser(name);


--
-- Name: prefixbinding prefixbinding_brand_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.prefixbinding
    ADD CONSTRAINT prefixbinding_brand_fkey FOREIGN KEY (brand) REFERENCES public.party(address);


--
-- Name: premises premises_party_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.premises
    ADD CONSTRAINT premises_party_fkey FOREIGN KEY (party) REFERENCES public.party(address);


--
-- Name: webuser webuser_party_fkey; Type: FK CONSTRAINT; Schema: public; Owner: -
--

ALTER TABLE ONLY public.webuser
    ADD CONSTRAINT webuser_party_fkey FOREIGN KEY (party) REFERENCES public.party(address);


--
-- PostgreSQL database dump complete
--

\unrestrict iwqeFHUpJdeMz818zG8iY14fg8J8cEihinTsOlEygCPBAPQhm1BUjgtp4OUyScP

